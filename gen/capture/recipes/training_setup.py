#: The fine-tuning setup on a copy of the model: image tower frozen but its last `unfreeze_last` blocks,
#: both projections replaced with `replacement_width` columns (the loss needs the two towers to meet).
#: records: trainable, frozen, first, blocks, stage, replaced, width=replacement_width
for param in model.visual.parameters():
    param.requires_grad = False
blocks = len(model.visual.transformer.resblocks)
first = blocks - unfreeze_last
for name, param in model.visual.transformer.resblocks[first:].named_parameters():
    param.requires_grad = True

torch.manual_seed(0)
width = model.visual.proj.shape[0]
model.visual.proj = nn.Parameter(torch.randn(width, replacement_width) * width ** -0.5)
text_width = model.text_projection.shape[0]
model.text_projection = nn.Parameter(torch.randn(text_width, replacement_width) * text_width ** -0.5)

trainable = [name for name, param in model.named_parameters() if param.requires_grad]
frozen = [name for name, param in model.named_parameters() if not param.requires_grad]
print(f"image blocks {first}..{blocks - 1} of {blocks} train; visual.proj {tuple(model.visual.proj.shape)}, "
      f"text_projection {tuple(model.text_projection.shape)} replaced")
print(f"{len(trainable)} parameter tensors train, {len(frozen)} are frozen")
stage, replaced = "visual.transformer.resblocks", ["visual.proj", "text_projection"]
