#: How the configured prompts become token ids: BPE pieces, start and end tokens, padding, the EOT position.
from clip.clip import _tokenizer  # the clip.simple_tokenizer.SimpleTokenizer that clip.tokenize uses

sot = _tokenizer.encoder["<|startoftext|>"]
eot = _tokenizer.encoder["<|endoftext|>"]
n_ctx = model.context_length
print(f"vocabulary: {len(_tokenizer.encoder)} entries = {len(_tokenizer.byte_encoder)} bytes"
      f" + {len(_tokenizer.byte_encoder)} bytes ending a word + {len(_tokenizer.bpe_ranks)} merges + 2 special tokens")
print(f"model.vocab_size = {model.vocab_size}, context length = {n_ctx}")
print(f"start token {sot} = {_tokenizer.decoder[sot]!r}, end token {eot} = {_tokenizer.decoder[eot]!r},"
      f" padding id 0 = {_tokenizer.decoder[0]!r}")

tokens = clip.tokenize(prompts, context_length=n_ctx)  # [P, n_ctx]: start, pieces, end, then zeros
argmax = tokens.argmax(dim=-1)  # where CLIP reads the text feature: EOT has the largest id
rows = []
for prompt, ids, where in zip(prompts, tokens.tolist(), argmax.tolist()):
    used = ids[: ids.index(eot) + 1]
    pieces = [_tokenizer.decoder[i] for i in used]  # vocabulary entries; "</w>" marks the end of a word
    texts = [_tokenizer.decode([i]) for i in used]  # each id decoded on its own
    print(f"\n{prompt!r}: {len(used)} tokens, EOT at position {used.index(eot)}, argmax {where},"
          f" {n_ctx - len(used)} zeros of padding")
    for position, (i, piece) in enumerate(zip(used, pieces)):
        print(f"  {position:>3} {i:>6}  {piece}")
    rows.append({"prompt": prompt, "ids": used, "pieces": pieces, "texts": texts,
                 "eot_index": used.index(eot), "argmax": where, "padding": n_ctx - len(used),
                 "decoded": _tokenizer.decode(used[1:-1])})

# Rarer words split into several pieces; case, spaces and punctuation do not survive the round trip.
example = "Unfreezing the last blocks, twice!"
example_ids = _tokenizer.encode(example)
example_pieces = [_tokenizer.decoder[i] for i in example_ids]
print(f"\n{example!r} -> {example_pieces}")
print(f"decoded: {_tokenizer.decode(example_ids)!r}")

# A prompt that does not fit: the first one, repeated until it is too long.
words = len(_tokenizer.encode(prompts[0]))
long_prompt = " ".join([prompts[0]] * (n_ctx // max(words, 1) + 1))
needed = len(_tokenizer.encode(long_prompt)) + 2
print(f"\nA prompt of {needed} tokens (start and end included):")
try:
    clip.tokenize(long_prompt, context_length=n_ctx)
    error = None
except RuntimeError as err:
    error = str(err)
    print("RuntimeError:", error)
cut = clip.tokenize(long_prompt, context_length=n_ctx, truncate=True)[0].tolist()
print(f"truncate=True: {len(cut)} ids, last id {cut[-1]} (EOT), keeps {_tokenizer.decode(cut[1:-1])!r}")

result.update(
    vocab_size=len(_tokenizer.encoder), model_vocab_size=model.vocab_size, bytes=len(_tokenizer.byte_encoder),
    merges=len(_tokenizer.bpe_ranks), context_length=n_ctx, sot=sot, eot=eot,
    sot_piece=_tokenizer.decoder[sot], eot_piece=_tokenizer.decoder[eot], pad_piece=_tokenizer.decoder[0],
    prompts=rows, example=example, example_ids=example_ids, example_pieces=example_pieces,
    example_decoded=_tokenizer.decode(example_ids), long_prompt=long_prompt, long_tokens=needed, long_error=error,
    truncated_ids=cut, truncated_text=_tokenizer.decode(cut[1:-1]),
)
