#: The two projections into the shared space, and the learned temperature.
#: weight-dependent: logit_scale, logit_scale_exp, stdout
#: records: visual_proj_name, visual_proj_shape, text_projection_shape, logit_scale, logit_scale_exp
c_proj = model.visual.attnpool.c_proj
print("visual.attnpool.c_proj:", c_proj)
print("weight", tuple(c_proj.weight.shape))
print(c_proj.weight)
print("\ntext_projection", tuple(model.text_projection.shape))
print(model.text_projection)
print("\nlogit_scale:", model.logit_scale)
print("logit_scale.exp():", model.logit_scale.exp().item())

# nn.Linear stores [out, in]; as a matrix applied like `x @ proj` it is the transpose
visual_proj_name, visual_proj_shape = "visual.attnpool.c_proj.weight", c_proj.weight.T.shape
text_projection_shape = model.text_projection.shape
logit_scale, logit_scale_exp = model.logit_scale.item(), model.logit_scale.exp().item()
