#: A larger input for a ResNet: the convolutions accept it, the attention pool's positional embedding does not
#: until its grid part is interpolated, as a ViT's is.
#: weight-dependent: cosine, stdout
#: steps
#: records: grid, new_grid, resolution, new_resolution, error, cosine, steps
import torch.nn.functional as F

resolution = model.visual.input_resolution
grid = resolution // 32  # the stem and the stages downsample by 32 in all
new_grid = -(-grid * 10 // 7)  # about 1.4 times the side, rounded up
new_resolution = new_grid * 32
pool = model.visual.attnpool
old = pool.positional_embedding.detach()  # attnpool.positional_embedding: row 0 for the mean, then the grid row by row
with torch.no_grad():
    x = clip.clip._transform(new_resolution)(image).unsqueeze(0)  # the image at the larger size
    v = model.visual
    x = v.avgpool(v.relu3(v.bn3(v.conv3(v.relu2(v.bn2(v.conv2(v.relu1(v.bn1(v.conv1(x))))))))))  # stem
    x = v.layer1(x)  # layer1
    x = v.layer2(x)  # layer2
    x = v.layer3(x)  # layer3
    x = v.layer4(x)  # layer4
    try:
        pool(x)
        error = None
    except RuntimeError as err:
        error = str(err).splitlines()[0]
    print("attnpool:", error or "ran")

    # the remedy: the grid part as an image with one channel per embedding dimension, resized like one
    cells = old[1:].reshape(1, grid, grid, -1).permute(0, 3, 1, 2)
    cells = F.interpolate(cells, size=(new_grid, new_grid), mode="bicubic", align_corners=False)
    new = torch.cat([old[:1], cells.permute(0, 2, 3, 1).reshape(new_grid * new_grid, -1)])  # interpolated, larger grid
    pool.positional_embedding = nn.Parameter(new)
    large = pool(x)  # attnpool, interpolated
    pool.positional_embedding = nn.Parameter(old)
    native = model.encode_image(preprocess(image).unsqueeze(0))
cosine = F.cosine_similarity(large, native).item()
print(f"cosine between the embeddings at {new_resolution} px and at {resolution} px: {cosine:.4f}")
