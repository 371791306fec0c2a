#: What `preprocess` does to the sample image, one transform at a time, with clip's own constants.
#: records: original, mode, steps, box, crop_matches, mean, std, matches, stats, resized_size, resized_rgb
import base64
import inspect

original, mode = image.size, image.mode
print(f"sample image: {original[0]} x {original[1]} pixels (width x height), mode {mode}")
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
matches = torch.equal(x, preprocess(image))
print("same as preprocess(image):", matches)

# CenterCrop's window inside the resized image (torchvision rounds the margins)
resized_size = before_crop.size  # (width, height) after Resize
w, h = resized_size
left, top = int(round((w - crop[1]) / 2.0)), int(round((h - crop[0]) / 2.0))
box = [left, top, left + crop[1], top + crop[0]]
crop_matches = before_crop.crop(box).tobytes() == center(before_crop).tobytes()
print(f"crop box (left, top, right, bottom) in the resized image: {box}, same pixels as CenterCrop: {crop_matches}")
print(f"channel means (R, G, B) used by Normalize: {mean}")
print(f"channel stds  (R, G, B) used by Normalize: {std}")
stats = {}
for key, label, t in (("unit", "after ToTensor", unit), ("normalised", "after Normalize", x)):
    stats[key] = [{"mean": v.mean().item(), "std": v.std().item(), "min": v.min().item(), "max": v.max().item()}
                  for v in t]  # one per channel
    for channel, s in zip("RGB", stats[key]):
        print(f"  {label:<16} {channel}: mean {s['mean']:+.4f} std {s['std']:.4f} min {s['min']:+.4f} max {s['max']:+.4f}")

# the image CenterCrop received (RGB bytes, row by row), kept for the figures
resized_rgb = base64.b64encode(before_crop.convert("RGB").tobytes()).decode("ascii")
