#: The two projections into the shared space, and the learned temperature.
#: weight-dependent: logit_scale, logit_scale_exp, stdout
#: records: visual_proj_name, visual_proj_shape, text_projection_shape, logit_scale, logit_scale_exp
print("visual.proj", tuple(model.visual.proj.shape))
print(model.visual.proj)
print("\ntext_projection", tuple(model.text_projection.shape))
print(model.text_projection)
print("\nlogit_scale:", model.logit_scale)
print("logit_scale.exp():", model.logit_scale.exp().item())

visual_proj_name, visual_proj_shape = "visual.proj", model.visual.proj.shape
text_projection_shape = model.text_projection.shape
logit_scale, logit_scale_exp = model.logit_scale.item(), model.logit_scale.exp().item()
