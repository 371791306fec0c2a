#: The text transformer's causal mask, read off the blocks of both towers, and what it does to the outputs.
#: weight-dependent: gap_at, gap, stdout
#: records: size, shared, blocks, matches_build, allowed=allowed_count, entries, lower_triangular, corner=corner_allowed, image_blocks=image_count, image_masked, has_pool, pool_masks, longer, first_change, gap_before, gap_at, gap=gap_shown
import inspect

text_masks = [block.attn_mask for block in model.transformer.resblocks]
mask = text_masks[0]  # additive: 0 where attention is allowed, -inf where it is not
size, blocks, entries = mask.shape[0], len(text_masks), mask.numel()
shared = all(m is mask for m in text_masks)  # one tensor, not a copy per block
print(f"text blocks: attn_mask {tuple(mask.shape)} {mask.dtype}, the same tensor in all {blocks} blocks: {shared}")
matches_build = torch.equal(mask, model.build_attention_mask())
print("equals model.build_attention_mask():", matches_build)
allowed = mask == 0
allowed_count = int(allowed.sum())
lower_triangular = torch.equal(allowed, torch.ones_like(allowed).tril())
print(f"allowed pairs: {allowed_count} of {entries}; every query sees exactly the keys up to itself: {lower_triangular}")
corner = min(12, size)
print(f"top-left {corner} x {corner} corner:")
for row in mask[:corner, :corner].tolist():
    print("  " + " ".join(f"{v:>4g}" for v in row))
corner_allowed = [[v == 0 for v in row] for row in mask[:corner, :corner].tolist()]

image_blocks = [m for m in model.visual.modules() if isinstance(m, clip.model.ResidualAttentionBlock)]
image_count = len(image_blocks)
image_masked = sum(b.attn_mask is not None for b in image_blocks)
print(f"image tower: {image_count} ResidualAttentionBlocks, attn_mask set on {image_masked} of them")
pool = getattr(model.visual, "attnpool", None)  # a ResNet's only attention layer
has_pool = pool is not None
pool_masks = has_pool and "attn_mask" in inspect.getsource(type(pool).forward)
if has_pool:
    print("the source of visual.attnpool's forward mentions attn_mask:", pool_masks)

# Words added at the end of a prompt cannot change what the tokens before them computed.
def text_states(tokens):  # the text transformer's output, [N, n_ctx, width]
    x = model.token_embedding(tokens) + model.positional_embedding
    return model.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)


longer = prompts[0] + " at night"
tokens = clip.tokenize([prompts[0], longer], context_length=model.context_length, truncate=True)
first_change = int((tokens[0] != tokens[1]).nonzero()[0])  # where the short prompt's EOT sits
with torch.no_grad():
    states = text_states(tokens)
gap = (states[0] - states[1]).abs().amax(dim=-1)  # per position, largest difference
print(f"{prompts[0]!r} vs {longer!r}: token ids first differ at position {first_change}")
gap_before, gap_at = gap[:first_change].max().item(), gap[first_change].item()  # before: zero up to float32 rounding
print(f"largest output difference before it: {'below 1e-6' if gap_before < 1e-6 else f'{gap_before:.3g}'}; "
      f"at it: {gap_at:.3g}")
gap_shown = gap[: first_change + 3]  # up to two positions past the change
