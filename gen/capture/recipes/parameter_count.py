#: Parameter totals for the whole model and for each tower.
#: records: counts
def count(params):
    params = list(params)
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    return total, trainable


groups = [
    ("model", "the whole model", model.parameters()),
    ("visual", "image encoder: model.visual", model.visual.parameters()),
    ("text_blocks", "text transformer: model.transformer", model.transformer.parameters()),
    ("text_encoder", "text encoder: token_embedding, positional_embedding, transformer, ln_final, text_projection",
     [model.token_embedding.weight, model.positional_embedding, *model.transformer.parameters(),
      *model.ln_final.parameters(), model.text_projection]),
    ("logit_scale", "shared: logit_scale", [model.logit_scale]),
]
counts = {}
for key, label, params in groups:
    total, trainable = count(params)
    print(f"{label}\n    total: {total:,}  trainable: {trainable:,}")
    counts[key] = {"label": label, "total": total, "trainable": trainable}
