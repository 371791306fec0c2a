#: The text tower, one operation at a time, for every configured prompt.
with torch.no_grad():
    tokens = step("clip.tokenize(prompts)", clip.tokenize(prompts))  # [P, context_length]
    x = step("token_embedding", model.token_embedding(tokens), "token_embedding")  # [P, context_length, width]
    x = step("add positional_embedding", x + model.positional_embedding, "positional_embedding")
    x = step("permute NLD -> LND", x.permute(1, 0, 2))
    x = step("transformer: all resblocks (causal)", model.transformer(x), "transformer")
    x = step("permute LND -> NLD", x.permute(1, 0, 2))
    x = step("ln_final", model.ln_final(x), "ln_final")
    eot = tokens.argmax(dim=-1)  # the end-of-text token has the largest id in the vocabulary
    x = step("features at the EOT token", x[torch.arange(x.shape[0]), eot])
    x = step("@ text_projection", x @ model.text_projection, "text_projection")
    # the encoder returns x; CLIP.forward then scales both embeddings to unit length
    features = step("divide by the L2 norm (CLIP.forward)", x / x.norm(dim=-1, keepdim=True))

    reference = model.encode_text(tokens)
    reference = reference / reference.norm(dim=-1, keepdim=True)
same = torch.allclose(features, reference, atol=1e-5)
print("EOT positions:", eot.tolist())
print("same as model.encode_text:", same)
result["eot"] = eot.tolist()
result["matches_encode"] = same
