#: The image as the ResNet ends it: a grid of feature vectors, each computed from a wide region of pixels.
#: records: kind, grid, stride, channels, input=input_shape, output=output_shape, field, jump
visual = model.visual
pixels = preprocess(image).unsqueeze(0)  # [1, 3, H, W]
captured = {}
handle = visual.attnpool.register_forward_pre_hook(lambda module, args: captured.update(x=args[0]))
try:
    with torch.no_grad():
        model.encode_image(pixels)
finally:
    handle.remove()
features = captured["x"]  # layer4's output, [1, C, grid, grid]
input_shape, output_shape, channels, grid = pixels.shape, features.shape, features.shape[1], features.shape[-1]
stride = pixels.shape[-1] // grid
print(f"input {tuple(pixels.shape)} -> layer4 {tuple(features.shape)}: a {grid} x {grid} grid, "
      f"one cell per {stride} x {stride} pixels")

# How many pixels can reach one cell?  Follow the widest path (stem, then each bottleneck's branch):
# every layer widens the field by (kernel - 1) times the distance between its inputs in pixels.
path = [visual.conv1, visual.conv2, visual.conv3, visual.avgpool]
for stage in (visual.layer1, visual.layer2, visual.layer3, visual.layer4):
    for block in stage:
        path += [block.conv1, block.conv2, block.avgpool, block.conv3]
path = [layer for layer in path if isinstance(layer, (nn.Conv2d, nn.AvgPool2d))]  # an Identity pool changes nothing
field, jump = 1, 1
for layer in path:
    k = layer.kernel_size if isinstance(layer.kernel_size, int) else layer.kernel_size[0]
    s = layer.stride if isinstance(layer.stride, int) else layer.stride[0]
    field, jump = field + (k - 1) * jump, jump * s
print(f"layers on the widest path: {len(path)}; final step between cells: {jump} pixels")
print(f"receptive field of one cell: {field} x {field} pixels, for a {pixels.shape[-1]}-pixel image")
kind = "feature map"
