#: A larger input for a ResNet: the convolutions accept it, the attention pool's positional embedding does not.
#: steps
#: records: grid, new_grid, resolution, new_resolution, error, steps
resolution = model.visual.input_resolution
grid = resolution // 32  # the stem and the stages downsample by 32 in all
new_grid = -(-grid * 10 // 7)  # about 1.4 times the side, rounded up
new_resolution = new_grid * 32
pos = model.visual.attnpool.positional_embedding  # attnpool.positional_embedding: the mean's row, then the native grid
with torch.no_grad():
    x = clip.clip._transform(new_resolution)(image).unsqueeze(0)  # the image at the larger size
    v = model.visual
    x = v.avgpool(v.relu3(v.bn3(v.conv3(v.relu2(v.bn2(v.conv2(v.relu1(v.bn1(v.conv1(x))))))))))  # stem
    x = v.layer1(x)  # layer1
    x = v.layer2(x)  # layer2
    x = v.layer3(x)  # layer3
    x = v.layer4(x)  # layer4
    try:
        model.visual.attnpool(x)
        error = None
    except RuntimeError as err:
        error = str(err).splitlines()[0]
print("attnpool:", error or "ran")
