#: The image as the Vision Transformer sees it: conv1 cuts it into patches, one token each.
#: records: kind, patch, stride, grid, input=input_shape, output=output_shape, patch_values, tokens, matches=same
conv = model.visual.conv1
pixels = preprocess(image).unsqueeze(0)  # [1, 3, H, W]
with torch.no_grad():
    embedded = conv(pixels)  # [1, width, grid, grid]
    # the same as one matrix product per patch: unfold cuts out the patches as columns
    patches = torch.nn.functional.unfold(pixels, kernel_size=conv.kernel_size, stride=conv.stride)
    as_matmul = conv.weight.flatten(start_dim=1) @ patches  # [1, width, grid * grid]
same = torch.allclose(as_matmul.reshape(embedded.shape), embedded, atol=1e-4)
grid = embedded.shape[-1]
input_shape, output_shape = pixels.shape, embedded.shape
print(f"input {tuple(pixels.shape)}, conv1 kernel {conv.kernel_size}, stride {conv.stride}, bias {conv.bias is not None}")
print(f"conv1 output {tuple(embedded.shape)}: a {grid} x {grid} grid, {grid * grid} patch tokens + 1 class token")
print(f"patches as columns {tuple(patches.shape)}: {patches.shape[1]} values each (3 channels x "
      f"{conv.kernel_size[0]} x {conv.kernel_size[1]} pixels)")
print("conv1 equals weight.flatten(1) @ patches:", same)
kind, patch, stride = "patches", conv.kernel_size[0], conv.stride[0]
patch_values, tokens = patches.shape[1], grid * grid + 1  # one token per patch, plus the class token
