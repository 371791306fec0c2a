#: After the replacement: do the two towers still meet?
#: records: image_width, text_width, error, image_norms, text_norms
with torch.no_grad():
    image_features = model.encode_image(preprocess(image).unsqueeze(0))
    text_features = model.encode_text(clip.tokenize(prompts))
image_features = image_features / image_features.norm(dim=-1, keepdim=True)
text_features = text_features / text_features.norm(dim=-1, keepdim=True)

image_width, text_width = image_features.shape[-1], text_features.shape[-1]
print("image embedding width:", image_width)
print("text embedding width: ", text_width)
error = None
try:
    image_features @ text_features.t()
except RuntimeError as err:
    error = str(err)
    print("image_features @ text_features.t() fails:", error)
image_norms, text_norms = image_features.norm(dim=-1), text_features.norm(dim=-1)
print("image feature norms:", image_norms)
print("text feature norms: ", text_norms)
