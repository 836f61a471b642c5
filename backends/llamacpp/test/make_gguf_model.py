"""Writes a small llama-architecture GGUF with random weights (fixed seed)
using llama.cpp's own GGUF writer (gguf-py, from the release's source bundle
that backends/llamacpp/setup.sh unpacks; put it on PYTHONPATH).

  make_gguf_model.py OUT.gguf PRESET [--seed N]

Presets (the vocabulary is the same for all: an SPM byte-fallback vocabulary
with a few hundred word pieces, so prompts tokenize into words and generated
text is readable):
  chat    2 layers, 64 wide, context 256             (~0.6 MB; the tests' model)
  embed   as chat with mean pooling                  (embedding mode)
  bench   4 layers, 512 wide, context 2048, f16      (~30 MB; bench/nn)
  large   6 layers, 512 wide, context 512, f32       (~78 MB; the memory sharing test)
"""
import argparse
import sys

import numpy as np

import gguf

WORDS = (
    "the a an of to in on at for with from by and or but not is are was were be been this that these those "
    "it its he she they we you i me my your our their his her them us who what when where why how which "
    "cat dog bird fish cow horse mouse llama alpaca camel sheep goat wolf fox bear lion tiger owl "
    "sat ran jumped flew swam ate drank slept walked talked said asked told saw heard knew thought made "
    "mat hat box house tree river hill road field garden sky sun moon star rain snow wind cloud sea "
    "red blue green yellow black white big small old new good bad happy sad fast slow hot cold "
    "one two three four five six seven eight nine ten many few all some any every each other "
    "wasm web assembly model token tensor graph guest host runtime stream compute output input "
    "hello world yes no please thanks again always never often sometimes today tomorrow"
).split()
PUNCT = [".", ",", "!", "?", ":", ";", "'", "-", "\n"]

PRESETS = {
    #          layers  embd  heads  kv  ff    ctx   dtype       pooling
    "chat": (2, 64, 4, 2, 128, 256, np.float32, None),
    "embed": (2, 64, 4, 2, 128, 256, np.float32, gguf.PoolingType.MEAN),
    "bench": (4, 512, 8, 8, 1408, 2048, np.float16, None),
    "large": (6, 512, 8, 8, 1408, 512, np.float32, None),
}


def vocabulary():
    """SPM pieces: <unk> <s> </s>, 256 byte tokens, letters, then words with
    every prefix (SPM merges pairs, so each intermediate piece must exist)."""
    tokens = [("<unk>", gguf.TokenType.UNKNOWN), ("<s>", gguf.TokenType.CONTROL), ("</s>", gguf.TokenType.CONTROL)]
    tokens += [(f"<0x{b:02X}>", gguf.TokenType.BYTE) for b in range(256)]
    pieces = ["\u2581"] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + PUNCT
    for w in WORDS:
        word = "\u2581" + w
        pieces += [word[:n] for n in range(2, len(word) + 1)]
    seen = set()
    for p in pieces:
        if p not in seen:
            seen.add(p)
            tokens.append((p, gguf.TokenType.NORMAL))
    # Longer pieces score higher so merges prefer whole words.
    scores = [0.0] * 259 + [float(len(t)) for t, _ in tokens[259:]]
    return tokens, scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("preset", choices=sorted(PRESETS))
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    layers, embd, heads, kv_heads, ff, ctx, dtype, pooling = PRESETS[args.preset]
    rng = np.random.default_rng(args.seed)
    tokens, scores = vocabulary()
    n_vocab = len(tokens)
    head_dim = embd // heads

    w = gguf.GGUFWriter(args.out, "llama")
    w.add_name(f"wasmnn-test-{args.preset}")
    w.add_context_length(ctx)
    w.add_embedding_length(embd)
    w.add_block_count(layers)
    w.add_feed_forward_length(ff)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_dimension_count(head_dim)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if dtype == np.float16 else gguf.LlamaFileType.ALL_F32)
    if pooling is not None:
        w.add_pooling_type(pooling)
    w.add_tokenizer_model("llama")
    w.add_token_list([t for t, _ in tokens])
    w.add_token_types([int(k) for _, k in tokens])
    w.add_token_scores(scores)
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)

    def tensor(name, *shape, scale=None, ones=False):
        # numpy (rows, cols) is ggml's ne = (cols, rows): weights are (out, in).
        if ones:
            data = np.ones(shape, dtype=np.float32)
        else:
            data = rng.standard_normal(shape, dtype=np.float32) * (scale or 1.0 / np.sqrt(shape[-1]))
        w.add_tensor(name, data.astype(dtype if len(shape) > 1 else np.float32))

    tensor("token_embd.weight", n_vocab, embd, scale=1.0)
    for i in range(layers):
        tensor(f"blk.{i}.attn_norm.weight", embd, ones=True)
        tensor(f"blk.{i}.attn_q.weight", embd, embd)
        tensor(f"blk.{i}.attn_k.weight", kv_heads * head_dim, embd)
        tensor(f"blk.{i}.attn_v.weight", kv_heads * head_dim, embd)
        tensor(f"blk.{i}.attn_output.weight", embd, embd)
        tensor(f"blk.{i}.ffn_norm.weight", embd, ones=True)
        tensor(f"blk.{i}.ffn_gate.weight", ff, embd)
        tensor(f"blk.{i}.ffn_up.weight", ff, embd)
        tensor(f"blk.{i}.ffn_down.weight", embd, ff)
    tensor("output_norm.weight", embd, ones=True)
    # Word pieces get the strong output rows, so greedy text is mostly words;
    # the control and byte tokens stay reachable but rare.
    out = rng.standard_normal((n_vocab, embd), dtype=np.float32) * (4.0 / np.sqrt(embd))
    out[:259] *= 0.25
    w.add_tensor("output.weight", out.astype(dtype))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    sys.exit(main())
