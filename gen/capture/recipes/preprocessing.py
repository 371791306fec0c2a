#: What `preprocess` does to the sample image, one transform at a time, with clip's own constants.
import base64
import inspect

print(f"sample image: {image.size[0]} x {image.size[1]} pixels (width x height), mode {image.mode}")
steps, x = [], image
for transform in preprocess.transforms:
    if inspect.isfunction(transform):  # a plain function in the Compose
        name, shown = transform.__name__, f"{transform.__module__}.{transform.__qualname__}"
    else:
        name, shown = type(transform).__name__, repr(transform)
    if name == "CenterCrop":
        center, before_crop, crop = transform, x, list(transform.size)  # [height, width]
    if name == "Normalize":
        mean, std = list(transform.mean), list(transform.std)
    x = transform(x)
    after = list(x.shape) if isinstance(x, torch.Tensor) else [x.size[0], x.size[1]]
    print(f"{shown}\n    -> {'tensor' if isinstance(x, torch.Tensor) else 'image'} {after}")
    steps.append({"name": name, "repr": shown, "tensor": isinstance(x, torch.Tensor), "after": after})
    if name == "ToTensor":
        unit = x  # values in [0, 1]
print("same as preprocess(image):", torch.equal(x, preprocess(image)))

# CenterCrop's window inside the resized image (torchvision rounds the margins)
w, h = before_crop.size
left, top = int(round((w - crop[1]) / 2.0)), int(round((h - crop[0]) / 2.0))
box = [left, top, left + crop[1], top + crop[0]]
crop_matches = before_crop.crop(box).tobytes() == center(before_crop).tobytes()
print(f"crop box (left, top, right, bottom) in the resized image: {box}, same pixels as CenterCrop: {crop_matches}")
print(f"channel means (R, G, B) used by Normalize: {mean}")
print(f"channel stds  (R, G, B) used by Normalize: {std}")
for label, t in (("after ToTensor", unit), ("after Normalize", x)):
    for c, channel in enumerate("RGB"):
        v = t[c]
        print(f"  {label:<16} {channel}: mean {v.mean().item():+.4f} std {v.std().item():.4f} "
              f"min {v.min().item():+.4f} max {v.max().item():+.4f}")

result.update(
    original=list(image.size), mode=image.mode, steps=steps, box=box, crop_matches=crop_matches,
    mean=mean, std=std, matches=torch.equal(x, preprocess(image)),
    stats={label: [{"mean": t[c].mean().item(), "std": t[c].std().item(), "min": t[c].min().item(),
                    "max": t[c].max().item()} for c in range(3)]
           for label, t in (("unit", unit), ("normalised", x))},
    # the image CenterCrop received (RGB bytes, row by row), for the figures
    resized_size=[w, h], resized_rgb=base64.b64encode(before_crop.convert("RGB").tobytes()).decode("ascii"),
)
