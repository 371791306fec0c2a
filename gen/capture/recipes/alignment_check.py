#: After the replacement: do the two towers still meet?
with torch.no_grad():
    image_features = model.encode_image(preprocess(image).unsqueeze(0))
    text_features = model.encode_text(clip.tokenize(prompts))
image_features = image_features / image_features.norm(dim=-1, keepdim=True)
text_features = text_features / text_features.norm(dim=-1, keepdim=True)

print("image embedding width:", image_features.shape[-1])
print("text embedding width: ", text_features.shape[-1])
error = None
try:
    image_features @ text_features.t()
except RuntimeError as err:
    error = str(err)
    print("image_features @ text_features.t() fails:", error)
print("image feature norms:", image_features.norm(dim=-1))
print("text feature norms: ", text_features.norm(dim=-1))

result["image_width"] = image_features.shape[-1]
result["text_width"] = text_features.shape[-1]
result["error"] = error
result["image_norms"] = image_features.norm(dim=-1).tolist()
result["text_norms"] = text_features.norm(dim=-1).tolist()
