#: A larger input: interpolate visual.positional_embedding to a bigger patch grid, then run the image tower.
#: weight-dependent: cosine, stdout
import torch.nn.functional as F

patch = model.visual.conv1.kernel_size[0]
resolution = model.visual.input_resolution
grid = resolution // patch
new_grid = -(-grid * 10 // 7)  # about 1.4 times the side, rounded up
new_resolution = new_grid * patch
old = model.visual.positional_embedding.detach()  # [1 + grid * grid, width]: class token, then the grid
width = old.shape[1]
cells = old[1:].reshape(1, grid, grid, width).permute(0, 3, 1, 2)  # [1, width, grid, grid]
cells = F.interpolate(cells, size=(new_grid, new_grid), mode="bicubic", align_corners=False)
new = torch.cat([old[:1], cells.permute(0, 2, 3, 1).reshape(new_grid * new_grid, width)])
model.visual.positional_embedding = nn.Parameter(new)
step(f"positional_embedding, {grid}x{grid} grid", old)
step(f"interpolated, {new_grid}x{new_grid} grid", new)

with torch.no_grad():
    x = step(f"image at {new_resolution} px", clip.clip._transform(new_resolution)(image).unsqueeze(0))
    x = step("conv1: patches", model.visual.conv1(x))
    tokens = step("tokens + class token", torch.cat([model.visual.class_embedding.expand(1, 1, -1),
                                                  x.flatten(2).transpose(1, 2)], dim=1))
    large = step("encode_image", model.encode_image(clip.clip._transform(new_resolution)(image).unsqueeze(0)))
    model.visual.positional_embedding = nn.Parameter(old)
    native = model.encode_image(preprocess(image).unsqueeze(0))
cosine = F.cosine_similarity(large, native).item()
print(f"cosine between the embeddings at {new_resolution} px and at {resolution} px: {cosine:.4f}")
result["patch"] = patch
result["grid"] = grid
result["new_grid"] = new_grid
result["resolution"] = resolution
result["new_resolution"] = new_resolution
result["cosine"] = cosine
