// The KV cache proofs' abstract data (kvc_cache.sv, kvc_cache_split.sv): the HBM slave returns, for
// beat i of a burst at address A, the word F(A + i * beat bytes), F = the low F_W bits of the byte
// address, so beat j of block b is f_word(b, j) (K for j < F_HB, then V) and response word j of
// block b packs F_R such beats, the first in the low bits (f_row). Include after the localparams
// F_TB, F_W, F_HB, F_R, F_BYTES and F_HALF_BYTES.
`ifndef FP_KVC_DATA_SVH
`define FP_KVC_DATA_SVH
function [F_W-1:0] f_word;                               // the data of beat j of block b
  input [F_TB-1:0] b;
  input [7:0] j;
  input [F_W-1:0] kb;
  input [F_W-1:0] vb;
  begin
    f_word = ((j >= F_HB) ? vb : kb) + b * F_HALF_BYTES + (j & (F_HB - 1)) * F_BYTES;
  end
endfunction

function [F_R*F_W-1:0] f_row;                            // response word j of block b
  input [F_TB-1:0] b;
  input [7:0] j;
  input [F_W-1:0] kb;
  input [F_W-1:0] vb;
  integer i;
  begin
    f_row = 0;
    for (i = 0; i < F_R; i = i + 1)
      f_row = f_row | ({{(F_R*F_W-F_W){1'b0}}, f_word(b, j * F_R + i, kb, vb)} << (i * F_W));
  end
endfunction
`endif
