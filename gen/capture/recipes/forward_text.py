#: The text tower, one operation at a time, for every configured prompt.
#: steps
#: records: steps, eot, matches_encode
with torch.no_grad():
    tokens = clip.tokenize(prompts)  # clip.tokenize(prompts)
    x = model.token_embedding(tokens)  # token_embedding
    x = x + model.positional_embedding  # add positional_embedding
    x = x.permute(1, 0, 2)  # permute NLD -> LND
    x = model.transformer(x)  # transformer: all resblocks (causal)
    x = x.permute(1, 0, 2)  # permute LND -> NLD
    x = model.ln_final(x)  # ln_final
    # the end-of-text token has the largest id in the vocabulary
    eot = tokens.argmax(dim=-1)
    x = x[torch.arange(x.shape[0]), eot]  # features at the EOT token
    x = x @ model.text_projection  # @ text_projection
    # the encoder returns x; CLIP.forward then scales both embeddings to unit length
    features = x / x.norm(dim=-1, keepdim=True)  # divide by the L2 norm (CLIP.forward)

    reference = model.encode_text(tokens)
    reference = reference / reference.norm(dim=-1, keepdim=True)
matches_encode = torch.allclose(features, reference, atol=1e-5)
print("EOT positions:", eot.tolist())
print("same as model.encode_text:", matches_encode)
