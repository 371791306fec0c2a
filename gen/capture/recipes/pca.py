#: Image and prompt embeddings in one space, flattened to two dimensions with PCA.
#: weight-dependent: points, explained, stdout
def crops(name, picture):
    w, h = picture.size
    yield name, picture
    yield f"{name} (left half)", picture.crop((0, 0, w // 2, h))
    yield f"{name} (right half)", picture.crop((w // 2, 0, w, h))
    yield f"{name} (top half)", picture.crop((0, 0, w, h // 2))
    yield f"{name} (centre)", picture.crop((w // 4, h // 4, 3 * w // 4, 3 * h // 4))
    yield f"{name} (mirrored)", picture.transpose(0)  # Image.FLIP_LEFT_RIGHT


views = [view for name, picture in images.items() for view in crops(name, picture)]
with torch.no_grad():
    image_features = model.encode_image(torch.stack([preprocess(p) for _, p in views]))
    text_features = model.encode_text(clip.tokenize(prompts))
features = torch.cat([image_features, text_features])
features = features / features.norm(dim=-1, keepdim=True)

centred = features - features.mean(dim=0)
_, singular, directions = torch.linalg.svd(centred, full_matrices=False)
# an SVD may return either sign of each direction; fix it (largest entry positive) so plots do not flip
directions = directions * directions.gather(1, directions.abs().argmax(dim=1, keepdim=True)).sign()
points = centred @ directions[:2].T
explained = (singular[:2] ** 2 / (singular ** 2).sum()).tolist()
print(f"{len(views)} image views and {len(prompts)} prompts -> {tuple(points.shape)}")
print(f"variance explained by the two components: {explained[0]:.1%}, {explained[1]:.1%}")

result["labels"] = [label for label, _ in views] + list(prompts)
result["kinds"] = ["image"] * len(views) + ["text"] * len(prompts)
result["points"] = points.tolist()
result["explained"] = explained
