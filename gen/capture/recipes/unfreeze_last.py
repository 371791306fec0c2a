#: Freeze the image encoder, then let the last `unfreeze_last` image blocks train again.
#: records: unfrozen, trainable_visual, first, blocks, stage
for param in model.visual.parameters():
    param.requires_grad = False

stage = "visual.transformer.resblocks"
blocks = len(model.visual.transformer.resblocks)
first = blocks - unfreeze_last
for name, param in model.visual.named_parameters():
    parts = name.split(".")
    if parts[:2] == ["transformer", "resblocks"] and int(parts[2]) >= first:
        param.requires_grad = True
        print("Unfreezing:", name)

unfrozen = [name for name, param in model.visual.named_parameters() if param.requires_grad]
trainable_visual = sum(p.numel() for p in model.visual.parameters() if p.requires_grad)
print(f"\n{len(unfrozen)} parameter tensors ({trainable_visual:,} values) of {stage}.{first} to .{blocks - 1} train again")
