#: Per-head attention of the class token over the patches, in the last block of the image transformer.
#: weight-dependent: maps, mean_map, query_self, stdout
#: records: block=block_path, query, heads, grid, shape, matches_block=same, maps, mean_map, query_self, row_sums, max_row_error=error
import math

block = model.visual.transformer.resblocks[-1]
captured = {}
handle = block.register_forward_pre_hook(lambda module, args: captured.update(x=args[0]))
try:
    with torch.no_grad():
        model.encode_image(preprocess(image).unsqueeze(0))
finally:
    handle.remove()

x = captured["x"]  # the block's input, [L, N, width]: sequence first
with torch.no_grad():
    y = block.ln_1(x)
    out, weights = block.attn(y, y, y, need_weights=True, average_attn_weights=False)  # weights [N, heads, L, L]
    same = torch.allclose(out, block.attention(y), atol=1e-5)
heads, keys = weights.shape[1], weights.shape[-1]
grid = math.isqrt(keys - 1)  # the patch tokens form a square
row = weights[0, :, 0, :]  # [heads, L]: how the class token (query 0) spreads its attention
maps = row[:, 1:].reshape(heads, grid, grid)  # over the patches, in image layout
sums = weights.sum(dim=-1)  # every row of every head sums to 1 (softmax)
print(f"block input {tuple(x.shape)} -> attention weights {tuple(weights.shape)}: [batch, heads, query, key]")
print(f"same output as the block's own attention (need_weights=False): {same}")
error = (sums - 1).abs().max().item()  # float32 rounding: a few times 1e-7, varying by CPU
print(f"rows sum to 1 {'within 1e-6' if error < 1e-6 else f'within {error:.1e}'} ({sums.numel()} rows)")
print(f"class token over the {grid} x {grid} patches, per head:")
for h in range(heads):
    top = int(maps[h].argmax())
    print(f"  head {h:>2}: on itself {row[h, 0].item():.3f}, on patches {row[h, 1:].sum().item():.3f}, "
          f"largest {maps[h].max().item():.3f} at patch (row {top // grid}, col {top % grid})")

block_path = f"visual.transformer.resblocks.{len(model.visual.transformer.resblocks) - 1}"
query, shape = "class token", weights.shape  # [batch, heads, queries, keys]
query_self, row_sums = row[:, 0], row.sum(dim=-1)  # per head: attention on itself, and the row's total
mean_map = maps.mean(dim=0)  # the heads' average
