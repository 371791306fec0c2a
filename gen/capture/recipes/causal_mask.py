#: The text transformer's causal mask, read off the blocks of both towers, and what it does to the outputs.
#: weight-dependent: gap_at, gap, stdout
import inspect

text_masks = [block.attn_mask for block in model.transformer.resblocks]
mask = text_masks[0]  # additive: 0 where attention is allowed, -inf where it is not
print(f"text blocks: attn_mask {tuple(mask.shape)} {mask.dtype}, the same tensor in all "
      f"{len(text_masks)} blocks: {all(m is mask for m in text_masks)}")
print("equals model.build_attention_mask():", torch.equal(mask, model.build_attention_mask()))
allowed = mask == 0
print(f"allowed pairs: {int(allowed.sum())} of {mask.numel()}; "
      f"every query sees exactly the keys up to itself: {torch.equal(allowed, torch.ones_like(allowed).tril())}")
corner = min(12, mask.shape[0])
print(f"top-left {corner} x {corner} corner:")
for row in mask[:corner, :corner].tolist():
    print("  " + " ".join(f"{v:>4g}" for v in row))

image_blocks = [m for m in model.visual.modules() if isinstance(m, clip.model.ResidualAttentionBlock)]
print(f"image tower: {len(image_blocks)} ResidualAttentionBlocks, "
      f"attn_mask set on {sum(b.attn_mask is not None for b in image_blocks)} of them")
pool = getattr(model.visual, "attnpool", None)  # a ResNet's only attention layer
pool_masks = pool is not None and "attn_mask" in inspect.getsource(type(pool).forward)
if pool is not None:
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
before = gap[:first_change].max().item()  # zero up to float32 rounding
print(f"largest output difference before it: {'below 1e-6' if before < 1e-6 else f'{before:.3g}'}; "
      f"at it: {gap[first_change].item():.3g}")

result.update(
    size=mask.shape[0], shared=all(m is mask for m in text_masks), blocks=len(text_masks),
    matches_build=torch.equal(mask, model.build_attention_mask()),
    allowed=int(allowed.sum()), entries=mask.numel(),
    lower_triangular=torch.equal(allowed, torch.ones_like(allowed).tril()),
    corner=[[v == 0 for v in row] for row in mask[:corner, :corner].tolist()],
    image_blocks=len(image_blocks), image_masked=sum(b.attn_mask is not None for b in image_blocks),
    has_pool=pool is not None, pool_masks=pool_masks,
    longer=longer, first_change=first_change,
    gap_before=gap[:first_change].max().item(), gap_at=gap[first_change].item(),
    gap=gap[: first_change + 3].tolist(),
)
