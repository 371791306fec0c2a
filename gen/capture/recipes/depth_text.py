#: Norms through the text transformer: the residual stream and what attention and the MLP add to it, per block.
#: weight-dependent: blocks, stdout
#: records: tower, tokens=token_count, blocks
tokens = clip.tokenize(prompts, context_length=model.context_length)
eot = tokens.argmax(dim=-1)
used = torch.arange(tokens.shape[1])[:, None] <= eot[None, :]  # [n_ctx, P]: the prompt's tokens up to EOT


def measure(t):  # t: [n_ctx, P, width]; mean per-token L2 norm over the prompts' tokens, and the EOT tokens'
    per_token = t.norm(dim=-1)
    return per_token[used].mean().item(), per_token[eot, torch.arange(t.shape[1])].mean().item()


rows = [{} for _ in model.transformer.resblocks]
handles = []
try:
    for row, block in zip(rows, model.transformer.resblocks):
        handles += [
            block.register_forward_pre_hook(lambda m, args, row=row: row.update(stream_in=measure(args[0]))),
            block.attn.register_forward_hook(lambda m, args, out, row=row: row.update(attn=measure(out[0]))),
            block.mlp.register_forward_hook(lambda m, args, out, row=row: row.update(mlp=measure(out))),
            block.register_forward_hook(lambda m, args, out, row=row: row.update(stream_out=measure(out))),
        ]
    with torch.no_grad():
        model.encode_text(tokens)  # one forward pass, every hook fires once
finally:
    for handle in handles:
        handle.remove()

print(f"mean per-token L2 norm over {int(used.sum())} tokens of {len(prompts)} prompts (EOT tokens in brackets)")
print(f"{'block':>5} {'stream in':>18} {'attention adds':>18} {'MLP adds':>18} {'stream out':>18}")
for i, row in enumerate(rows):
    print(f"{i:>5}" + "".join(f"{row[k][0]:>10.3f} [{row[k][1]:>6.2f}]"
                              for k in ("stream_in", "attn", "mlp", "stream_out")))

tower, token_count = "transformer", int(used.sum())
blocks = [{k: row[k][0] for k in ("stream_in", "attn", "mlp", "stream_out")}
                    | {"pooled_" + k: row[k][1] for k in ("stream_in", "attn", "mlp", "stream_out")} for row in rows]
