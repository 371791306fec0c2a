#: The fine-tuning setup on a copy of the model: image tower frozen but the last `unfreeze_last` bottlenecks
#: of layer4, both projections replaced with `replacement_width` outputs (the loss needs the towers to meet).
#: records: trainable, frozen, first, blocks, stage, replaced, width=replacement_width
for param in model.visual.parameters():
    param.requires_grad = False
blocks = len(model.visual.layer4)
first = blocks - unfreeze_last
for name, param in model.visual.layer4[first:].named_parameters():
    param.requires_grad = True

torch.manual_seed(0)
old = model.visual.attnpool.c_proj
model.visual.attnpool.c_proj = nn.Linear(old.in_features, replacement_width)  # new, so trainable
text_width = model.text_projection.shape[0]
model.text_projection = nn.Parameter(torch.randn(text_width, replacement_width) * text_width ** -0.5)

trainable = [name for name, param in model.named_parameters() if param.requires_grad]
frozen = [name for name, param in model.named_parameters() if not param.requires_grad]
print(f"layer4 blocks {first}..{blocks - 1} of {blocks} train; visual.attnpool.c_proj -> {replacement_width}, "
      f"text_projection {tuple(model.text_projection.shape)} replaced")
print(f"{len(trainable)} parameter tensors train, {len(frozen)} are frozen")
stage, replaced = "visual.layer4", ["visual.attnpool.c_proj", "text_projection"]
