#: How the configured prompts become token ids: BPE pieces, start and end tokens, padding, the EOT position.
#: records: vocab_size, model_vocab_size=vocab_of_model, bytes=byte_count, merges, context_length=n_ctx, sot, eot, sot_piece, eot_piece, pad_piece, prompts=rows, example, example_ids, example_pieces, example_decoded, long_prompt, long_tokens=needed, long_error=error, truncated_ids=cut, truncated_text
from clip.clip import _tokenizer  # the clip.simple_tokenizer.SimpleTokenizer that clip.tokenize uses

sot = _tokenizer.encoder["<|startoftext|>"]
eot = _tokenizer.encoder["<|endoftext|>"]
sot_piece, eot_piece, pad_piece = _tokenizer.decoder[sot], _tokenizer.decoder[eot], _tokenizer.decoder[0]
vocab_size, byte_count, merges = len(_tokenizer.encoder), len(_tokenizer.byte_encoder), len(_tokenizer.bpe_ranks)
n_ctx = model.context_length
print(f"vocabulary: {vocab_size} entries = {byte_count} bytes + {byte_count} bytes ending a word"
      f" + {merges} merges + 2 special tokens")
vocab_of_model = model.vocab_size
print(f"model.vocab_size = {vocab_of_model}, context length = {n_ctx}")
print(f"start token {sot} = {sot_piece!r}, end token {eot} = {eot_piece!r}, padding id 0 = {pad_piece!r}")

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
example_decoded = _tokenizer.decode(example_ids)
print(f"decoded: {example_decoded!r}")

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
truncated_text = _tokenizer.decode(cut[1:-1])
print(f"truncate=True: {len(cut)} ids, last id {cut[-1]} (EOT), keeps {truncated_text!r}")
