#: Cosine similarity times exp(logit_scale) for the sample batch: every image against every prompt.
#: weight-dependent: logit_scale, scale, cosine, logits_per_image, probs, diagonal, off_diagonal, top, stdout
#: records: logit_scale, scale, cosine, logits_per_image, logits_per_image_shape, logits_per_text_shape, probs, diagonal=own, off_diagonal=other, top
with torch.no_grad():
    image_input = torch.stack([preprocess(picture) for picture in batch_images])  # N images, pair order
    text_input = clip.tokenize(prompts)  # the N captions first, then the distractors
    logits_per_image, logits_per_text = model(image_input, text_input)

    image_features = model.encode_image(image_input)
    text_features = model.encode_text(text_input)
    image_features = image_features / image_features.norm(dim=-1, keepdim=True)
    text_features = text_features / text_features.norm(dim=-1, keepdim=True)
    cosine = image_features @ text_features.t()
    scale = model.logit_scale.exp()

logit_scale = model.logit_scale.item()
print("logit_scale (stored, a log):", round(logit_scale, 4))
print("logit_scale.exp():", round(scale.item(), 4))
logits_per_image_shape, logits_per_text_shape = logits_per_image.shape, logits_per_text.shape
print("logits_per_image", tuple(logits_per_image_shape), "(images x prompts)")
print(logits_per_image)
print("logits_per_text", tuple(logits_per_text_shape))
print("scale * cosine == logits_per_image:", torch.allclose(scale * cosine, logits_per_image, atol=1e-4))
probs = logits_per_image.softmax(dim=-1)
n = len(captions)
pairs = torch.arange(n)
diagonal = cosine[pairs, pairs]  # each image against its own caption
others = cosine[:, :n][~torch.eye(n, dtype=torch.bool)]  # against the other images' captions
top = probs.argmax(dim=-1)
own, other = diagonal.mean().item(), others.mean().item() if n > 1 else None
print("own caption, mean cosine:", round(own, 4))
if other is not None:
    print("other captions, mean cosine:", round(other, 4))
print("images whose top prompt is their own caption:", int((top == pairs).sum()), "of", n)
