"""A tiny, randomly initialised causal LM with a real BPE tokenizer and a ChatML chat template.

Built in about a second from a config (no download), saved as a normal transformers folder, so the
engine loads it exactly as it loads a user's local model.
"""
from __future__ import annotations

from pathlib import Path

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

CORPUS = [
    "Hello, how can I help you today? Your refund has been approved.",
    "您好，请问有什么可以帮您？您的退款已经批准。",
    "The parcel was delayed by the courier; we are sorry for the wait.",
    "快递延误了，非常抱歉让您久等。我们会尽快为您处理。",
    "Please send a photo of the damaged item and your order number.",
]


def build_tiny_model(out: Path, vocab_size: int = 512, layers: int = 2, hidden: int = 64) -> Path:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS * 20, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=None, eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>", unk_token=None)
    fast.chat_template = CHATML
    fast.save_pretrained(out)
    config = LlamaConfig(vocab_size=len(fast), hidden_size=hidden, intermediate_size=hidden * 2,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=2048, tie_word_embeddings=True,
                         # Large enough that frozen (tied) embeddings do not cap the logits LoRA can reach.
                         initializer_range=0.15,
                         eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id, bos_token_id=None)
    import torch
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(out)
    return out
