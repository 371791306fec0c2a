#: The image ResNet and the text transformer side by side, read off the modules themselves.
#: records: vision, text
visual = model.visual
stages = [visual.layer1, visual.layer2, visual.layer3, visual.layer4]
vision = {
    "stem_width": visual.conv3.out_channels,
    "stages": [len(stage) for stage in stages],
    "stage_widths": [stage[-1].conv3.out_channels for stage in stages],
    "attnpool_heads": visual.attnpool.num_heads,
    "attnpool_width": visual.attnpool.k_proj.in_features,
    "tokens": visual.attnpool.positional_embedding.shape[0],
    "input": [visual.input_resolution] * 2,
    "parameters": sum(p.numel() for p in visual.parameters()),
}
block = model.transformer.resblocks[0]
text = {
    "width": model.transformer.width,
    "layers": model.transformer.layers,
    "heads": block.attn.num_heads,
    "head_dim": model.transformer.width // block.attn.num_heads,
    "mlp_hidden": block.mlp.c_fc.out_features,
    "activation": type(block.mlp.gelu).__name__,
    "causal_mask": block.attn_mask is not None,
    "parameters": sum(p.numel() for p in model.transformer.parameters()),
    "tokens": model.context_length,
    "vocab_size": model.vocab_size,
}
for title, facts in (("image ResNet (model.visual)", vision), ("text transformer (model.transformer)", text)):
    print(title)
    for key, value in facts.items():
        print(f"    {key}: {value}")
