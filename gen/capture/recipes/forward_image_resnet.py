#: The image tower of a modified ResNet, one stage at a time.
#: steps
#: records: steps, matches_encode
visual = model.visual
with torch.no_grad():
    pixels = preprocess(image).unsqueeze(0)  # preprocess(image)
    x = visual.relu1(visual.bn1(visual.conv1(pixels)))  # stem conv1, bn1, relu1 (stride 2)
    x = visual.relu2(visual.bn2(visual.conv2(x)))  # stem conv2, bn2, relu2
    x = visual.relu3(visual.bn3(visual.conv3(x)))  # stem conv3, bn3, relu3
    x = visual.avgpool(x)  # stem avgpool
    x = visual.layer1(x)  # layer1
    x = visual.layer2(x)  # layer2
    x = visual.layer3(x)  # layer3
    x = visual.layer4(x)  # layer4
    # what visual.attnpool(x) does, written out
    pool = visual.attnpool
    t = x.flatten(start_dim=2).permute(2, 0, 1)  # flatten the grid, NCHW -> (HW)NC
    t = torch.cat([t.mean(dim=0, keepdim=True), t], dim=0)  # prepend the mean as the query token
    t = t + pool.positional_embedding[:, None, :]  # add attnpool.positional_embedding
    x, _ = torch.nn.functional.multi_head_attention_forward(
        query=t[:1], key=t, value=t, embed_dim_to_check=t.shape[-1], num_heads=pool.num_heads,
        q_proj_weight=pool.q_proj.weight, k_proj_weight=pool.k_proj.weight, v_proj_weight=pool.v_proj.weight,
        in_proj_weight=None, in_proj_bias=torch.cat([pool.q_proj.bias, pool.k_proj.bias, pool.v_proj.bias]),
        bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
        out_proj_weight=pool.c_proj.weight, out_proj_bias=pool.c_proj.bias,
        use_separate_proj_weight=True, training=False, need_weights=False)  # attention: the mean token queries all, then c_proj
    x = x.squeeze(0)  # drop the query axis
    # the encoder returns x; CLIP.forward then scales both embeddings to unit length
    features = x / x.norm(dim=-1, keepdim=True)  # divide by the L2 norm (CLIP.forward)

    reference = model.encode_image(pixels)
    reference = reference / reference.norm(dim=-1, keepdim=True)
matches_encode = torch.allclose(features, reference, atol=1e-5)
print("same as model.encode_image:", matches_encode)
