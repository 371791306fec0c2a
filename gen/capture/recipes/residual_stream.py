#: The residual stream around every residual block of both towers: its size going in and coming out, and how far the block turns it.
#: weight-dependent: blocks, stdout
#: records: blocks
import torch.nn.functional as F

residual = [(name, module) for name, module in model.named_modules()
          if type(module).__name__ in ("ResidualAttentionBlock", "Bottleneck")]
rows = {}


def around(name, channels):  # channels: the axis that holds a position's vector
    def hook(module, args, out):
        x = args[0]
        row = {"block": name, "shape_in": list(x.shape), "shape_out": list(out.shape),
               "norm_in": x.norm(dim=channels).mean().item(), "norm_out": out.norm(dim=channels).mean().item()}
        if x.shape == out.shape:  # the block adds to the stream it was given
            row["change"] = ((out - x).norm(dim=channels) / x.norm(dim=channels)).mean().item()
            row["cosine"] = F.cosine_similarity(x, out, dim=channels).mean().item()
        rows[name] = row
    return hook


handles = []
try:
    for name, module in residual:
        channels = 1 if type(module).__name__ == "Bottleneck" else -1  # NCHW feature maps; LND token sequences
        handles.append(module.register_forward_hook(around(name, channels)))
    with torch.no_grad():
        model.encode_image(preprocess(image).unsqueeze(0))
        model.encode_text(clip.tokenize(prompts))
finally:
    for handle in handles:
        handle.remove()

width = max(len(name) for name, _ in residual)
print(f"{'block':<{width}} {'norm in':>9} {'norm out':>9} {'change':>8} {'cosine':>7}")
for name, _ in residual:
    row = rows[name]
    turned = f"{row['change']:>8.3f} {row['cosine']:>7.3f}" if "cosine" in row else f"{'(new shape)':>16}"
    print(f"{name:<{width}} {row['norm_in']:>9.3f} {row['norm_out']:>9.3f} {turned}")

blocks = [rows[name] for name, _ in residual]
