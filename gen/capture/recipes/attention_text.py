#: Per-head attention of each prompt's end-of-text token, in the last block of the text transformer.
#: weight-dependent: prompts, stdout
#: records: block=block_path, heads, shape, matches_block=same, max_row_error=error, prompts=rows
block = model.transformer.resblocks[-1]
tokens = clip.tokenize(prompts, context_length=model.context_length)
captured = {}
handle = block.register_forward_pre_hook(lambda module, args: captured.update(x=args[0]))
try:
    with torch.no_grad():
        model.encode_text(tokens)
finally:
    handle.remove()

x = captured["x"]  # the block's input, [n_ctx, P, width]
with torch.no_grad():
    y = block.ln_1(x)
    out, weights = block.attn(y, y, y, need_weights=True, average_attn_weights=False,
                              attn_mask=block.attn_mask)  # weights [P, heads, n_ctx, n_ctx]
    same = torch.allclose(out, block.attention(y), atol=1e-5)
sums = weights.sum(dim=-1)
eot = tokens.argmax(dim=-1)  # where the text feature is read
print(f"block input {tuple(x.shape)} -> attention weights {tuple(weights.shape)}: [prompt, heads, query, key]")
print(f"same output as the block's own attention (need_weights=False): {same}")
error = (sums - 1).abs().max().item()  # float32 rounding: a few times 1e-7, varying by CPU
print(f"rows sum to 1 {'within 1e-6' if error < 1e-6 else f'within {error:.1e}'} ({sums.numel()} rows)")
rows = []
for p, prompt in enumerate(prompts):
    e = int(eot[p])
    row = weights[p, :, e, :]  # [heads, n_ctx]: the EOT token's attention
    pieces = [clip.clip._tokenizer.decoder[i] for i in tokens[p, : e + 1].tolist()]
    print(f"{prompt!r}: EOT at {e}; weight on later positions {row[:, e + 1:].sum().item():g}; "
          f"per head, the most attended token: {[pieces[int(i)] for i in row[:, : e + 1].argmax(dim=-1)]}")
    rows.append({"prompt": prompt, "eot": e, "pieces": pieces, "weights": row[:, : e + 1].tolist(),
                 "row_sums": row.sum(dim=-1).tolist(), "beyond": row[:, e + 1:].sum().item()})

block_path = f"transformer.resblocks.{len(model.transformer.resblocks) - 1}"
shape = weights.shape  # [prompts, heads, queries, keys]
heads = shape[1]
