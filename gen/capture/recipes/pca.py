#: The sample batch's image and prompt embeddings in one space, flattened to two dimensions with PCA.
#: weight-dependent: points, explained, image_cosines, stdout
#: records: labels, kinds, points, explained, image_cosines
with torch.no_grad():
    image_features = model.encode_image(torch.stack([preprocess(picture) for picture in batch_images]))
    text_features = model.encode_text(clip.tokenize(prompts))  # captions (pair order), then distractors
features = torch.cat([image_features, text_features])
features = features / features.norm(dim=-1, keepdim=True)
pictures = features[:len(batch_images)]
image_cosines = (pictures @ pictures.T).tolist()  # how alike the sample images are to one another

centred = features - features.mean(dim=0)
_, singular, directions = torch.linalg.svd(centred, full_matrices=False)
# an SVD may return either sign of each direction; fix it (largest entry positive) so plots do not flip
directions = directions * directions.gather(1, directions.abs().argmax(dim=1, keepdim=True)).sign()
points = centred @ directions[:2].T
explained = (singular[:2] ** 2 / (singular ** 2).sum()).tolist()
print(f"{len(batch_images)} images and {len(prompts)} prompts -> {tuple(points.shape)}")
print(f"variance explained by the two components: {explained[0]:.1%}, {explained[1]:.1%}")
labels = list(images) + list(prompts)  # image file names, then the prompts
kinds = ["image"] * len(batch_images) + ["text"] * len(prompts)
