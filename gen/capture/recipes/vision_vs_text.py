#: The two transformers side by side, read off the modules themselves.
#: records: vision, text
def describe(transformer):
    block = transformer.resblocks[0]
    return {
        "width": transformer.width,
        "layers": transformer.layers,
        "heads": block.attn.num_heads,
        "head_dim": transformer.width // block.attn.num_heads,
        "mlp_hidden": block.mlp.c_fc.out_features,
        "activation": type(block.mlp.gelu).__name__,
        "causal_mask": block.attn_mask is not None,
        "parameters": sum(p.numel() for p in transformer.parameters()),
    }


vision = describe(model.visual.transformer)
vision["tokens"] = model.visual.positional_embedding.shape[0]
vision["patch_size"] = list(model.visual.conv1.kernel_size)
vision["input"] = [model.visual.input_resolution] * 2
text = describe(model.transformer)
text["tokens"] = model.context_length
text["vocab_size"] = model.vocab_size

for title, facts in (("vision transformer (model.visual.transformer)", vision), ("text transformer (model.transformer)", text)):
    print(title)
    for key, value in facts.items():
        print(f"    {key}: {value}")
