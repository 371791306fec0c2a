#: Cosine similarity times exp(logit_scale): what model(image, text) returns.
#: weight-dependent: logit_scale, scale, cosine, logits_per_image, probs, stdout
with torch.no_grad():
    image_input = preprocess(image).unsqueeze(0)
    text_input = clip.tokenize(prompts)
    logits_per_image, logits_per_text = model(image_input, text_input)

    image_features = model.encode_image(image_input)
    text_features = model.encode_text(text_input)
    image_features = image_features / image_features.norm(dim=-1, keepdim=True)
    text_features = text_features / text_features.norm(dim=-1, keepdim=True)
    cosine = image_features @ text_features.t()
    scale = model.logit_scale.exp()

print("logit_scale (stored, a log):", round(model.logit_scale.item(), 4))
print("logit_scale.exp():", round(scale.item(), 4))
print("cosine similarities:", cosine)
print("logits_per_image", tuple(logits_per_image.shape))
print(logits_per_image)
print("logits_per_text", tuple(logits_per_text.shape))
print(logits_per_text)
print("scale * cosine == logits_per_image:", torch.allclose(scale * cosine, logits_per_image, atol=1e-4))
probs = logits_per_image.softmax(dim=-1)
print("softmax over the prompts:", probs)

result["logit_scale"] = model.logit_scale.item()
result["scale"] = scale.item()
result["cosine"] = cosine[0].tolist()
result["logits_per_image"] = logits_per_image.tolist()
result["logits_per_image_shape"] = list(logits_per_image.shape)
result["logits_per_text_shape"] = list(logits_per_text.shape)
result["probs"] = probs[0].tolist()
