#: Per-head attention of the pooled (mean) query over the final feature map, in the ResNet's attention pool.
#: weight-dependent: maps, mean_map, query_self, stdout
#: records: block=block_path, query, heads, grid, shape, matches_block=same, maps, mean_map, query_self, row_sums, max_row_error=error
F = torch.nn.functional
pool = model.visual.attnpool
captured = {}
handle = pool.register_forward_pre_hook(lambda module, args: captured.update(x=args[0]))
try:
    with torch.no_grad():
        model.encode_image(preprocess(image).unsqueeze(0))
finally:
    handle.remove()

x = captured["x"]  # layer4's output, [N, C, H, W]
with torch.no_grad():
    # the first lines of AttentionPool2d.forward
    t = x.flatten(start_dim=2).permute(2, 0, 1)  # NCHW -> (HW)NC
    t = torch.cat([t.mean(dim=0, keepdim=True), t], dim=0)  # (HW+1)NC: the mean goes first
    t = t + pool.positional_embedding[:, None, :]
    # the same call, asking for the weights of every head
    out, weights = F.multi_head_attention_forward(
        query=t[:1], key=t, value=t, embed_dim_to_check=t.shape[-1], num_heads=pool.num_heads,
        q_proj_weight=pool.q_proj.weight, k_proj_weight=pool.k_proj.weight, v_proj_weight=pool.v_proj.weight,
        in_proj_weight=None, in_proj_bias=torch.cat([pool.q_proj.bias, pool.k_proj.bias, pool.v_proj.bias]),
        bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0,
        out_proj_weight=pool.c_proj.weight, out_proj_bias=pool.c_proj.bias, use_separate_proj_weight=True,
        training=False, need_weights=True, average_attn_weights=False,
    )  # weights [N, heads, 1, HW+1]
    same = torch.allclose(out.squeeze(0), pool(x), atol=1e-5)
heads, grid = weights.shape[1], x.shape[-1]
row = weights[0, :, 0, :]  # [heads, HW+1]: how the mean token spreads its attention
maps = row[:, 1:].reshape(heads, grid, grid)  # over the feature map, in image layout
sums = weights.sum(dim=-1)
print(f"feature map {tuple(x.shape)} -> tokens {tuple(t.shape)} -> attention weights {tuple(weights.shape)}")
print(f"same output as visual.attnpool(x): {same}")
error = (sums - 1).abs().max().item()  # float32 rounding: a few times 1e-7, varying by CPU
print(f"rows sum to 1 {'within 1e-6' if error < 1e-6 else f'within {error:.1e}'} ({sums.numel()} rows)")
print(f"mean token over the {grid} x {grid} positions, per head:")
for h in range(heads):
    top = int(maps[h].argmax())
    print(f"  head {h:>2}: on itself {row[h, 0].item():.3f}, on the map {row[h, 1:].sum().item():.3f}, "
          f"largest {maps[h].max().item():.3f} at (row {top // grid}, col {top % grid})")

block_path = "visual.attnpool"
query = "mean token"
shape = weights.shape  # [batch, heads, queries, keys]
query_self, row_sums = row[:, 0], row.sum(dim=-1)  # per head: attention on itself, and the row's total
mean_map = maps.mean(dim=0)  # the heads' average
