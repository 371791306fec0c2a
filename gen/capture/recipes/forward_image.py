#: The image tower of a Vision Transformer, one operation at a time.
#: steps
#: records: steps, matches_encode
visual = model.visual
with torch.no_grad():
    pixels = preprocess(image).unsqueeze(0)  # preprocess(image)
    x = visual.conv1(pixels)  # conv1: patch embedding
    x = x.reshape(x.shape[0], x.shape[1], -1)  # flatten the patch grid
    x = x.permute(0, 2, 1)  # permute to one token per patch
    x = torch.cat([visual.class_embedding.expand(x.shape[0], 1, -1), x], dim=1)  # prepend class_embedding
    x = x + visual.positional_embedding  # add positional_embedding
    x = visual.ln_pre(x)  # ln_pre
    x = x.permute(1, 0, 2)  # permute NLD -> LND
    x = visual.transformer(x)  # transformer: all resblocks
    x = x.permute(1, 0, 2)  # permute LND -> NLD
    x = visual.ln_post(x[:, 0, :])  # ln_post on the class token
    x = x @ visual.proj  # @ visual.proj
    # the encoder returns x; CLIP.forward then scales both embeddings to unit length
    features = x / x.norm(dim=-1, keepdim=True)  # divide by the L2 norm (CLIP.forward)

    reference = model.encode_image(pixels)
    reference = reference / reference.norm(dim=-1, keepdim=True)
matches_encode = torch.allclose(features, reference, atol=1e-5)
print("same as model.encode_image:", matches_encode)
