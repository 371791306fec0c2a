#: Norms through the image transformer: the residual stream and what attention and the MLP add to it, per block.
#: weight-dependent: blocks, stdout
#: records: tower, blocks
def measure(t):  # t: [L, N, width]; mean per-token L2 norm over all tokens, and the class token's
    per_token = t.norm(dim=-1)
    return per_token.mean().item(), per_token[0].mean().item()


rows = [{} for _ in model.visual.transformer.resblocks]
handles = []
try:
    for row, block in zip(rows, model.visual.transformer.resblocks):
        handles += [
            block.register_forward_pre_hook(lambda m, args, row=row: row.update(stream_in=measure(args[0]))),
            block.attn.register_forward_hook(lambda m, args, out, row=row: row.update(attn=measure(out[0]))),
            block.mlp.register_forward_hook(lambda m, args, out, row=row: row.update(mlp=measure(out))),
            block.register_forward_hook(lambda m, args, out, row=row: row.update(stream_out=measure(out))),
        ]
    with torch.no_grad():
        model.encode_image(preprocess(image).unsqueeze(0))  # one forward pass, every hook fires once
finally:
    for handle in handles:
        handle.remove()

print("mean per-token L2 norm (class token in brackets)")
print(f"{'block':>5} {'stream in':>18} {'attention adds':>18} {'MLP adds':>18} {'stream out':>18}")
for i, row in enumerate(rows):
    print(f"{i:>5}" + "".join(f"{row[k][0]:>10.3f} [{row[k][1]:>6.2f}]"
                              for k in ("stream_in", "attn", "mlp", "stream_out")))

tower = "visual.transformer"
blocks = [{k: row[k][0] for k in ("stream_in", "attn", "mlp", "stream_out")}
                    | {"pooled_" + k: row[k][1] for k in ("stream_in", "attn", "mlp", "stream_out")} for row in rows]
