#: Gradient norms after loss.backward(): per parameter tensor, and per block of either tower.
#: weight-dependent: tensors, blocks, stdout
#: records: tensors, blocks=per_block
tensors = []
for name, param in model.named_parameters():
    norm = None if param.grad is None else param.grad.norm().item()
    tensors.append({"name": name, "shape": list(param.shape), "requires_grad": param.requires_grad, "grad_norm": norm})
with_grad = [t for t in tensors if t["grad_norm"] is not None]
print(f"{len(with_grad)} of {len(tensors)} parameter tensors received a gradient")

FIRST = ["conv1", "bn1", "conv2", "bn2", "conv3", "bn3", "class_embedding", "token_embedding", "positional_embedding", "ln_pre"]
LAST = ["ln_post", "proj", "attnpool", "ln_final", "text_projection"]


def block_of(name):  # a transformer block, a bottleneck or the attention pool, else the module or raw parameter
    parts = name.split(".")
    for i, part in enumerate(parts):
        if part in ("resblocks", "attnpool") or part.startswith("layer"):
            return ".".join(parts[:i + (1 if part == "attnpool" else 2)])
    return ".".join(parts[:-1]) if parts[-1] in ("weight", "bias") else name


def depth(block, seen):  # forward order: embeddings and stem, then the blocks, then the heads
    short = block.removeprefix("visual.").split(".")[0]
    return (0, FIRST.index(short)) if short in FIRST else (2, LAST.index(short)) if short in LAST else (1, seen)


blocks = {}  # block -> the joint L2 norm of its gradients (square root of the summed squares)
for t in tensors:
    key = block_of(t["name"])
    tower = "image" if key.startswith("visual") else "scale" if key == "logit_scale" else "text"
    entry = blocks.setdefault(key, {"block": key, "tower": tower, "squares": None, "tensors": 0, "trainable": 0,
                                    "seen": len(blocks)})
    entry["tensors"] += 1
    entry["trainable"] += t["requires_grad"]
    if t["grad_norm"] is not None:
        entry["squares"] = (entry["squares"] or 0.0) + t["grad_norm"] ** 2
ordered = sorted(blocks.values(), key=lambda b: (b["tower"], depth(b["block"], b["seen"])))
for b in ordered:
    print(f"{b['block']:<36} {'frozen: no gradient' if b['squares'] is None else format(b['squares'] ** 0.5, '.3e')}")
per_block = [{"block": b["block"], "tower": b["tower"], "tensors": b["tensors"], "trainable": b["trainable"],
              "grad_norm": None if b["squares"] is None else b["squares"] ** 0.5} for b in ordered]
