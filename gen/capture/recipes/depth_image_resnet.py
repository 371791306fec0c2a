#: Norms through the image ResNet: each bottleneck's input, residual branch, shortcut and output.
#: weight-dependent: blocks, zero_bn3, stdout
#: records: tower, blocks, zero_bn3
def measure(t):  # t: [N, C, H, W]; mean over positions of the L2 norm across channels
    return t.norm(dim=1).mean().item()


bottlenecks = [(f"layer{s}.{j}", block) for s in range(1, 5)
               for j, block in enumerate(getattr(model.visual, f"layer{s}"))]
rows = [{"block": name} for name, _ in bottlenecks]
handles = []
try:
    for row, (_, block) in zip(rows, bottlenecks):
        # measured inside the hooks: the block adds the shortcut to bn3's output in place
        handles += [
            block.register_forward_pre_hook(lambda m, args, row=row: row.update(
                input=measure(args[0]), shape=list(args[0].shape))),
            block.bn3.register_forward_hook(lambda m, args, out, row=row: row.update(branch=measure(out))),
            block.register_forward_hook(lambda m, args, out, row=row: row.update(
                output=measure(out), out_shape=list(out.shape))),
        ]
        if block.downsample is not None:  # otherwise the shortcut is the input itself
            handles.append(block.downsample.register_forward_hook(
                lambda m, args, out, row=row: row.update(shortcut=measure(out))))
    with torch.no_grad():
        model.encode_image(preprocess(image).unsqueeze(0))  # one forward pass, every hook fires once
finally:
    for handle in handles:
        handle.remove()
for row in rows:
    row.setdefault("shortcut", row["input"])

# CLIP initialises every bn3.weight to zero, so an untrained branch adds exactly nothing.
zero_bn3 = [row["block"] for row, (_, block) in zip(rows, bottlenecks) if not block.bn3.weight.any()]
print(f"bottlenecks whose bn3.weight is all zeros: {len(zero_bn3)} of {len(rows)}")
print("mean over positions of the L2 norm across channels")
print(f"{'bottleneck':<11} {'output shape':<18} {'input':>9} {'branch':>9} {'shortcut':>9} {'output':>9}")
for row in rows:
    print(f"{row['block']:<11} {str(tuple(row['out_shape'])):<18}"
          + "".join(f"{row[k]:>10.3f}" for k in ("input", "branch", "shortcut", "output")))

tower, blocks = "visual", rows
