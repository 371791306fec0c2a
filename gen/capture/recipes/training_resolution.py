#: A larger input: interpolate visual.positional_embedding to a bigger patch grid, then run the image tower.
#: weight-dependent: cosine, stdout
#: steps
#: records: patch, grid, new_grid, resolution, new_resolution, cosine, steps
import torch.nn.functional as F

patch = model.visual.conv1.kernel_size[0]
resolution = model.visual.input_resolution
grid = resolution // patch
new_grid = -(-grid * 10 // 7)  # about 1.4 times the side, rounded up
new_resolution = new_grid * patch
# [1 + grid * grid, width]: the class token's position, then the grid's
old = model.visual.positional_embedding.detach()  # positional_embedding, native grid
width = old.shape[1]
# the grid part as an image with `width` channels, resized like one
cells = old[1:].reshape(1, grid, grid, width).permute(0, 3, 1, 2)
cells = F.interpolate(cells, size=(new_grid, new_grid), mode="bicubic", align_corners=False)
new = torch.cat([old[:1], cells.permute(0, 2, 3, 1).reshape(new_grid * new_grid, width)])  # interpolated, larger grid
model.visual.positional_embedding = nn.Parameter(new)

with torch.no_grad():
    # the first steps by hand, for their shapes; encode_image then runs the whole tower
    x = clip.clip._transform(new_resolution)(image).unsqueeze(0)  # the image at the larger size
    x = model.visual.conv1(x)  # conv1: patches
    tokens = torch.cat([model.visual.class_embedding.expand(1, 1, -1), x.flatten(2).transpose(1, 2)], dim=1)  # tokens + class token
    large = model.encode_image(clip.clip._transform(new_resolution)(image).unsqueeze(0))  # encode_image
    model.visual.positional_embedding = nn.Parameter(old)
    native = model.encode_image(preprocess(image).unsqueeze(0))
cosine = F.cosine_similarity(large, native).item()
print(f"cosine between the embeddings at {new_resolution} px and at {resolution} px: {cosine:.4f}")
