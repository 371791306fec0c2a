#: The modules of the text encoder (its raw parameters are printed on the embeddings page).
print(model.token_embedding)
print(model.transformer)
print(model.ln_final)
