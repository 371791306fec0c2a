#: A larger input for a ResNet: the convolutions accept it, the attention pool's positional embedding does not.
resolution = model.visual.input_resolution
grid = resolution // 32  # the stem and the stages downsample by 32 in all
new_grid = -(-grid * 10 // 7)  # about 1.4 times the side, rounded up
new_resolution = new_grid * 32
step(f"attnpool.positional_embedding, {grid}x{grid} grid + mean", model.visual.attnpool.positional_embedding)
with torch.no_grad():
    x = clip.clip._transform(new_resolution)(image).unsqueeze(0)
    step(f"image at {new_resolution} px", x)
    for stage in ["stem", "layer1", "layer2", "layer3", "layer4"]:
        if stage == "stem":
            v = model.visual
            x = v.avgpool(v.relu3(v.bn3(v.conv3(v.relu2(v.bn2(v.conv2(v.relu1(v.bn1(v.conv1(x))))))))))
        else:
            x = getattr(model.visual, stage)(x)
        step(stage, x)
    try:
        model.visual.attnpool(x)
        error = None
    except RuntimeError as err:
        error = str(err).splitlines()[0]
print("attnpool:", error or "ran")
result["grid"] = grid
result["new_grid"] = new_grid
result["resolution"] = resolution
result["new_resolution"] = new_resolution
result["error"] = error
