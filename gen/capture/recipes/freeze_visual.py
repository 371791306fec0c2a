#: Freeze the whole image encoder, as one would before training only the text side or a new head.
#: records: frozen, trainable, total
for name, param in model.visual.named_parameters():
    param.requires_grad = False
    print("Freezing:", name)

frozen = [name for name, param in model.visual.named_parameters() if not param.requires_grad]
trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
total = sum(p.numel() for p in model.parameters())
print(f"\n{len(frozen)} parameter tensors frozen; {trainable:,} of {total:,} values remain trainable")
