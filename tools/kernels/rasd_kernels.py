"""The TorchScript kernel module rasd loads through DJL (rasd-core: io/rasd/model/rasd-kernels.pt).

Why a scripted module: DJL 0.36 cannot hold bf16 tensors through its own API (a bf16 NDArray aborts the JVM) and every
DJL op is one JNI crossing of ~6 us; a whole decoder forward in one scripted call replaces ~285 of them, and inside
the module tensors of any dtype pass through untouched. The weights arrive already prepared by rasd
(io.rasd.model.LlamaWeights): q, k and v fused into one projection, every RMSNorm weight folded into the projection
that reads its output, the attention scale folded into q. f32 projections are stored transposed ([in, out],
x @ W^T; measured faster with MKL for one row), half ones as [out, in] (F.linear; oneDNN's bf16/f16 kernels want
that layout: x @ W^T in bf16 was 10-17x slower here), bf16 ones on a CPU also packed once into oneDNN's own layout
(packed_projection).

Regenerate with tools/kernels/make-kernels (writes the .pt next to the Java that loads it). Keep every method to
plain aten ops: the file is replayed by DJL's libtorch (2.7.1), older than the torch that scripts it.
"""
from typing import Final, List, Optional, Union

import torch
import torch.nn.functional as F


class RasdKernels(torch.nn.Module):
    # the entries of one decoder layer in the flat weight list, in this order (absent ones are empty tensors); the
    # Java side lays them out the same way (io.rasd.model.Kernels)
    QKV: Final[int] = 0
    BQKV: Final[int] = 1
    QK_NORM: Final[int] = 2
    WO: Final[int] = 3
    BO: Final[int] = 4
    GATE: Final[int] = 5
    UP: Final[int] = 6
    DOWN: Final[int] = 7
    BGATE: Final[int] = 8
    BUP: Final[int] = 9
    BDOWN: Final[int] = 10
    PER_LAYER: Final[int] = 11

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def version(self) -> int:
        return 7

    @torch.jit.export
    def cast(self, x: torch.Tensor, dtype: int) -> torch.Tensor:
        """x in f32 (0), bf16 (1) or f16 (2): DJL cannot convert to bf16 itself."""
        if dtype == 1:
            return x.to(torch.bfloat16)
        if dtype == 2:
            return x.to(torch.float16)
        return x.to(torch.float32)

    @torch.jit.export
    def half_projection(self, w_t: torch.Tensor, dtype: int) -> torch.Tensor:
        """A projection prepared as f32 W^T [in, out] turned into W [out, in] of a half dtype, contiguous."""
        return self.cast(w_t.t().contiguous(), dtype)

    @torch.jit.export
    def packed_projection(self, w_t: torch.Tensor, dtype: int) -> torch.Tensor:
        """A projection prepared as f32 W^T [in, out] turned into a bf16 W packed once for oneDNN's matmul (an opaque
        mkldnn tensor only this module reads). An unpacked bf16 W is reordered into oneDNN's blocked layout on every
        call: measured 4.7x slower for one row of a [4864, 896] projection on an AVX512-BF16 EPYC. Like the unpacked
        one, the packed matmul gives each row bitwise the same whatever else is in the batch (PackedProjectionTest: the
        first 1, 2, 5, 8, 17 and 32 rows alone against a 33-row batch; a diagnostic: prefixes of a 700-row batch);
        it may differ from the unpacked one in the last bits (it does for 688 inputs), within the bf16 goldens."""
        return self.packed(self.half_projection(w_t, dtype))

    @torch.jit.export
    def packed(self, w: torch.Tensor) -> torch.Tensor:
        """A bf16 W [out, in] packed for oneDNN, as packed_projection (a tied head: the bf16 embedding itself)."""
        return torch.ops.mkldnn._reorder_linear_weight(w)

    @torch.jit.export
    def zeros(self, shape: List[int], dtype: int, like: torch.Tensor) -> torch.Tensor:
        """Zeros of a dtype DJL may not create itself, on the device of like."""
        return self.cast(torch.zeros(shape, device=like.device), dtype)

    @torch.jit.export
    def project(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """x [n, in] f32 through a projection prepared as above (any of the layouts), f32 out."""
        return self.proj(x, w, torch.empty(0))

    @torch.jit.export
    def embed_rows(self, embed: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Rows tokens of an embedding of any dtype, as f32."""
        return embed.index_select(0, tokens).float()

    @torch.jit.export
    def top_k_probabilities(self, logits: torch.Tensor, k: int) -> torch.Tensor:
        """The k most likely ids of every row of logits [rows, vocab] with their softmax probabilities over the whole
        row, best first, as one [rows, 2k] f32 tensor: k probabilities, then the k ids as floats (exact below 2^24).
        One call per drafting depth instead of ~11 DJL ops (io.rasd.model.Logits#topKProbabilities)."""
        top = torch.topk(logits, k, 1, True, True)
        log_z = torch.logsumexp(logits, 1, True)
        return torch.cat([(top.values - log_z).exp(), top.indices.float()], 1)

    def rms(self, x: torch.Tensor, eps: float) -> torch.Tensor:
        # the same ops as the NDArray path (io.rasd.model.Decoder.rmsNorm): x / sqrt(mean(x^2) + eps)
        return x / torch.sqrt(torch.mean(x * x, -1, True) + eps)

    def proj(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if w.is_mkldnn:
            no_scalars: List[Optional[Union[int, float, complex]]] = []
            y = torch.ops.mkldnn._linear_pointwise(x.to(w.dtype), w, None, "none", no_scalars, "").float()
        elif w.dtype == torch.float32:
            y = torch.matmul(x, w)
        else:
            y = F.linear(x.to(w.dtype), w).float()
        if b.numel() > 0:
            y = y + b
        return y

    def rope(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        half = x.size(-1) // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rotated * sin

    @torch.jit.export
    def forward_model(
        self,
        tokens: torch.Tensor,
        embed: torch.Tensor,
        weights: List[torch.Tensor],
        final_norm: torch.Tensor,
        lm_head: torch.Tensor,
        k_cache: List[torch.Tensor],
        v_cache: List[torch.Tensor],
        cos: torch.Tensor,
        sin: torch.Tensor,
        mask: torch.Tensor,
        logit_rows: torch.Tensor,
        dims: List[int],
        eps: float,
        taps: List[int],
    ) -> List[torch.Tensor]:
        """A target's whole forward: embedding rows of tokens [n], every decoder layer over the KV cache (this step's
        keys and values written in place at rows [past, past + n)), the final norm and the head on logit_rows (empty:
        every row).

        dims: [heads, kv_heads, head_dim, past, causal]. mask: additive [group * n, past + n] (the rows of one kv
        head's query block), or empty when every token sees every key, or when causal is 1: then every token sees the
        cache and the new tokens up to itself, a mask this method builds (a prefill chunk's: no [group * n, past + n]
        floats made and copied on the Java side). final_norm: its weight when the head does not hold it folded in (a
        half model's tied embedding, held once), else empty.

        Returns [logits, hidden]: hidden is the final-normed state of every token (an EAGLE-1/2 head's feature), or,
        with taps, the residual stream at the input of those layers side by side (an EAGLE-3 head's)."""
        x = embed.index_select(0, tokens).float()
        mask = self.attention_mask(mask, x, dims, k_cache[0].dtype)
        tapped: List[torch.Tensor] = []
        layers = len(weights) // self.PER_LAYER
        for l in range(layers):
            for t in taps:
                if t == l:
                    tapped.append(x.clone())
            x = self.layer(x, None, weights, l, k_cache[l], v_cache[l], cos, sin, mask, dims, eps)
        normed = self.rms(x, eps)
        if final_norm.numel() > 0:
            normed = normed * final_norm
        head_in = normed
        if logit_rows.numel() > 0:
            head_in = normed.index_select(0, logit_rows)
        logits = self.proj(head_in, lm_head, torch.empty(0, device=x.device))
        if len(taps) > 0:
            return [logits, torch.cat(tapped, 1)]
        return [logits, normed]

    def attention_mask(
        self, mask: torch.Tensor, x: torch.Tensor, dims: List[int], cache_dtype: torch.dtype
    ) -> torch.Tensor:
        """The additive mask a forward's layers use: the one given, or with dims[4] == 1 the causal one built here."""
        n = x.size(0)
        if dims[4] == 1 and n > 1:
            # key j is visible to new token i when j <= past + i, repeated for each head of a kv head's query block
            past = dims[3]
            visible = torch.ones(n, past + n, dtype=torch.bool, device=x.device).tril(past)
            mask = torch.zeros(n, past + n, device=x.device).masked_fill(visible.logical_not(), float("-inf"))
            mask = mask.repeat(dims[0] // dims[1], 1)
        if mask.numel() > 0 and cache_dtype != torch.float32:
            mask = mask.double()  # a half model's attention runs in f64 (see layer): converted once, not per layer
        return mask

    @torch.jit.export
    def forward_eagle(
        self,
        tokens: torch.Tensor,
        embed: torch.Tensor,
        features: torch.Tensor,
        fc: torch.Tensor,
        fc_bias: torch.Tensor,
        weights: List[torch.Tensor],
        head_divisor: torch.Tensor,
        lm_head: torch.Tensor,
        k_cache: torch.Tensor,
        v_cache: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        mask: torch.Tensor,
        logit_rows: torch.Tensor,
        dims: List[int],
        eps: float,
    ) -> List[torch.Tensor]:
        """An EAGLE draft head's forward (io.rasd.model.EagleHead), one call instead of ~40 DJL ops: a head forward
        is a drafting depth, so its fixed per-op cost decides whether the head pays. tokens [n] with features [n, w]:
        the feature of the token before each (the target's, or deeper in a tree the head's own output h). dims: the
        target's five (heads, kv_heads, head_dim, past, causal), the variant (1 or 3), the head's hidden size and, when
        an eighth is given and above 0, k: the top-k probabilities of the logit rows come back with them (a drafting
        depth reads exactly that, and a second module call costs about a tenth of a head forward here).

        EAGLE-1/2 (variant 1): x = fc([embed(t), f]) (+ bias), one layer whose attention reads x unnormalised (no input
        norm, as cnets1.py's layer 0), and the target's lm_head over the output h unnormalised (head_divisor: the
        target's final norm weight when its lm_head holds it folded in, divided out here; else empty).
        EAGLE-3 (variant 3): h = fc(f) when f is the target's three states side by side (wider than the head), else f;
        the layer attends over [norm(embed(t)), norm(h)] (norm weights folded into its qkv) and adds to h; logits are
        the head's own lm_head over norm(h) (norm weight folded in).

        Returns [logits of logit_rows (empty: every row), h of every row], then top_k_probabilities(logits, k) when k
        is given."""
        embedded = embed.index_select(0, tokens).float()
        mask = self.attention_mask(mask, embedded, dims, k_cache.dtype)
        no_bias = torch.empty(0, device=embedded.device)
        if dims[5] == 3:
            h = features if features.size(1) == dims[6] else self.proj(features, fc, no_bias)
            attn_in = torch.cat([self.rms(embedded, eps), self.rms(h, eps)], 1)
            h = self.layer(h, attn_in, weights, 0, k_cache, v_cache, cos, sin, mask, dims, eps)
            rows = h if logit_rows.numel() == 0 else h.index_select(0, logit_rows)
            return self.with_top_k([self.proj(self.rms(rows, eps), lm_head, no_bias), h], dims)
        x = self.proj(torch.cat([embedded, features], 1), fc, fc_bias)
        h = self.layer(x, x, weights, 0, k_cache, v_cache, cos, sin, mask, dims, eps)
        rows = h if logit_rows.numel() == 0 else h.index_select(0, logit_rows)
        if head_divisor.numel() > 0:
            rows = rows / head_divisor
        return self.with_top_k([self.proj(rows, lm_head, no_bias), h], dims)

    def with_top_k(self, out: List[torch.Tensor], dims: List[int]) -> List[torch.Tensor]:
        if len(dims) > 7 and dims[7] > 0:
            out.append(self.top_k_probabilities(out[0], dims[7]))
        return out

    def layer(
        self,
        x: torch.Tensor,
        attn_in: Optional[torch.Tensor],
        weights: List[torch.Tensor],
        l: int,
        k_cache: torch.Tensor,
        v_cache: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        mask: torch.Tensor,
        dims: List[int],
        eps: float,
    ) -> torch.Tensor:
        heads = dims[0]
        kv_heads = dims[1]
        hd = dims[2]
        past = dims[3]
        n = x.size(0)
        group = heads // kv_heads
        base = l * self.PER_LAYER

        # attention: x + Wo . attn(RoPE(Wq h), RoPE(Wk h), Wv h), h = RMSNorm(x) (norm weight and scale in Wqkv), or
        # h = attn_in where an EAGLE head's layer reads something else (x itself, or EAGLE-3's two normed halves)
        h = self.rms(x, eps) if attn_in is None else attn_in
        qkv = self.proj(h, weights[base + self.QKV], weights[base + self.BQKV]).view(n, heads + 2 * kv_heads, hd)
        qk = qkv[:, : heads + kv_heads]
        v = qkv[:, heads + kv_heads :]
        qk_norm = weights[base + self.QK_NORM]
        if qk_norm.numel() > 0:
            qk = self.rms(qk, eps) * qk_norm
        qk = self.rope(qk, cos, sin)
        q = qk[:, :heads]
        k = qk[:, heads:]
        total = past + n
        k_cache[:, past:total].copy_(k.transpose(0, 1))
        v_cache[:, past:total].copy_(v.transpose(0, 1))
        keys = k_cache[:, :total]
        values = v_cache[:, :total]
        half = keys.dtype != torch.float32
        if half:
            # attention over a half cache in f64: exact widening, and CPUs without native half arithmetic run the half
            # attention kernels far slower (f16 matmul 15-80x slower than f32 on AVX2; bf16 emulated). f64, not f32:
            # the fused kernel's sums run in an order that depends on how many query rows and keys a call holds, so in
            # f32 a tree row's attention could differ from the one-row step's in its last bit, and the bf16 rounding of
            # the next projection's input turns such bits into other tokens (measured: 12-25% of the bench's greedy
            # prompts left plain decoding's path). Rounded from f64, both give the same f32 but where the exact value
            # lies within ~1e-16 of a rounding boundary.
            keys = keys.double()
            values = values.double()
            q = q.double()
        # grouped-query attention: query head j reads kv head j // group, so fold the group into the row axis
        # 4-D (batch 1): libtorch's fused CPU attention (flash, online softmax over key blocks) takes only 4-D inputs;
        # 3-D ones fall back to the math path, which materialises every score matrix (27% of a demo decoding step)
        qg = q.transpose(0, 1).reshape(kv_heads, group * n, hd).unsqueeze(0)
        keys = keys.unsqueeze(0)
        values = values.unsqueeze(0)
        if mask.numel() > 0:
            attn = F.scaled_dot_product_attention(qg, keys, values, attn_mask=mask, scale=1.0)
        else:
            attn = F.scaled_dot_product_attention(qg, keys, values, scale=1.0)
        attn = attn.reshape(heads, n, hd).transpose(0, 1).reshape(n, heads * hd)
        if half:
            attn = attn.float()
        x = x + self.proj(attn, weights[base + self.WO], weights[base + self.BO])

        # SwiGLU MLP: x + Wdown . (silu(Wgate h) * Wup h), h = RMSNorm(x) (its weight in Wgate and Wup)
        h = self.rms(x, eps)
        gate = self.proj(h, weights[base + self.GATE], weights[base + self.BGATE])
        up = self.proj(h, weights[base + self.UP], weights[base + self.BUP])
        return x + self.proj(torch.sigmoid(gate) * gate * up, weights[base + self.DOWN], weights[base + self.BDOWN])


def main() -> None:
    import sys

    out = sys.argv[1]
    module = torch.jit.script(RasdKernels())
    module.save(out)
    print("wrote", out, "with torch", torch.__version__)


if __name__ == "__main__":
    main()
