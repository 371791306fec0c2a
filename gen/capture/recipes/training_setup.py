#: The fine-tuning setup on a copy of the model: everything frozen but the last `unfreeze_last` blocks of either
#: tower and logit_scale; both projections replaced with `replacement_width` columns (the loss needs the towers to meet).
#: records: trainable, frozen, first, blocks, stage, text_first, text_blocks, text_stage, replaced, width=replacement_width
model.requires_grad_(False)
blocks = len(model.visual.transformer.resblocks)
first = blocks - unfreeze_last
model.visual.transformer.resblocks[first:].requires_grad_(True)
text_blocks = len(model.transformer.resblocks)
text_first = text_blocks - unfreeze_last
model.transformer.resblocks[text_first:].requires_grad_(True)
model.logit_scale.requires_grad_(True)

torch.manual_seed(0)
width = model.visual.proj.shape[0]
model.visual.proj = nn.Parameter(torch.randn(width, replacement_width) * width ** -0.5)
text_width = model.text_projection.shape[0]
model.text_projection = nn.Parameter(torch.randn(text_width, replacement_width) * text_width ** -0.5)

trainable = [name for name, param in model.named_parameters() if param.requires_grad]
frozen = [name for name, param in model.named_parameters() if not param.requires_grad]
print(f"image blocks {first}..{blocks - 1} of {blocks} and text blocks {text_first}..{text_blocks - 1} of "
      f"{text_blocks} train, and logit_scale; visual.proj {tuple(model.visual.proj.shape)}, "
      f"text_projection {tuple(model.text_projection.shape)} replaced")
print(f"{len(trainable)} parameter tensors train, {len(frozen)} are frozen")
stage, text_stage = "visual.transformer.resblocks", "transformer.resblocks"
replaced = ["visual.proj", "text_projection"]
