// f3_tile: one tile of the F³ chip — datapath and control of one layer
// n_in -> n_out with P MAC lanes, output-stationary (docs/hardware-model.md,
// sim/chip/tile_cost.c), in the fixed-point arithmetic of model/
// (docs/numerics.md).  It trains with F³ (one-hot or dense feedback
// δh = Bᵀe from a ternary feedback ROM), as an output tile (δh = the loss's
// δz streamed in) and with BP (δh streamed in from the tile above; with
// BP = 1 it also computes δ_{i−1} = round(W_iᵀ δz_i), streamed out), with
// SGD: at batch 1 the update in place (W ← round(W − lr·round(δz hᵀ))); at
// batch B > 1 (BATCH_MAX > 1) the exact sum Σ δz hᵀ of the batch in an
// accumulator bank beside each weight bank, then the per-batch apply
// (W ← round(W − lr·round(Σ δz hᵀ))), as model/ does it.
//
// Steps of one sample (o_step), each `compute` issue cycles plus a fixed
// drain of LAT cycles (the pipeline's depth is 2: issue, then read/compute/
// write), f = ⌈n_out/P⌉ groups of P rows:
//   1 forward    z = W h           f·n_in
//   2 activation h = f(z + b)      f        (257-point table, relu, identity)
//   3 feedback   δh = Bᵀe          f (one-hot e) or f·C (dense e)
//   4 δz         δz = δh ⊙ f'(h)   f        (and the bias update b ← b − lr·δz)
//   6 backprop   δ_{i−1} = Wᵀδz    f·n_in   (BP = 1; lanes over rows, adder tree)
//   5 gradient   W ← W − lr·δz hᵀ  f·n_in   (read and write through the bank's two ports;
//                or A ← A + δz hᵀ at batch > 1, through the accumulator bank's)
//   7 apply      W ← W − lr·A      f·n_in   (after the batch's last sample; batch > 1)
// Row j of W lives in bank j mod P (one bank per lane, one read and one
// write port each), its accumulator row likewise in accumulator bank j mod P;
// biases, their accumulators and the per-row buffers are registers.  The
// bias is updated in the δz step: at batch 1 from δz, at batch > 1 in the
// batch's last sample from its accumulated Σ δz (b is next read by the next
// sample's activation step, after the apply).
//
// Fused dataflow (i_fused, F³/DRTP/LLO tiles at batch 1): the gradient
// step of sample k is folded into the forward step of sample k+1 — each
// weight is read once, updated with sample k's δz and input (still in its
// input buffer, see below) and written back, and the updated weight
// multiplies sample k+1's input, in one cycle.  i_flush, while idle,
// applies the last sample's pending update as a gradient step.
//
// Inputs are triple-buffered: the h stream fills one buffer while a sample
// computes from the second (and, fused, the pending update reads the
// third), so back-to-back samples start Σ steps apart — the next sample's
// forward step follows the last step of this one without a gap when its
// input is there.  A step that would overwrite what a stream still sends,
// or that needs e, waits in S_WAIT (o_step 0): the activation step for the
// previous h to leave, the backprop step for the previous δ, the feedback
// step for e.
`default_nettype none
/* verilator lint_off PINCONNECTEMPTY */
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_off WIDTH */
module f3_tile #(
    parameter integer P       = 4,     // MAC lanes (= SRAM banks); a power of two, 1..64
    parameter integer LANES_RT = 0,    // 1: lanes in use set at run time (i_lanes_log2, a power of two <= P); 0: all P
    parameter integer NI_MAX  = 256,   // largest n_in [values]
    parameter integer NO_MAX  = 64,    // largest n_out [values]
    parameter integer C_MAX   = 16,    // largest number of classes C (feedback ROM rows) [values]
    parameter integer BP      = 1,     // 1: the backprop step and the δ out stream exist
    parameter integer BATCH_MAX = 1,   // largest batch [samples]; > 1: accumulator banks and the apply step
    parameter integer LAT     = 1,     // drain cycles after every step [cycles], >= 1 (pipeline depth 2)
    parameter integer AW = 16, AF = 12, // activations: q(AW-AF).AF [bits]
    parameter integer WW = 16, WF = 14, // weights and biases: q(WW-WF).WF [bits]
    parameter integer EW = 16, EF = 14, // errors (e, δh, δz, δ out): q(EW-EF).EF [bits]
    parameter integer GW = 16, GF = 14, // gradients: q(GW-GF).GF [bits]
    parameter integer LRW = 32,        // width of the learning-rate mantissa i_lr_m [bits]
    parameter integer LR_S = 32        // lr = i_lr_m · 2^−LR_S; requires GF + LR_S >= WF
) (
    input  wire                 i_clk,
    input  wire                 i_rst,          // synchronous, active high
    // configuration, constant while a sample runs
    input  wire [15:0]          i_n_in,         // n_in [values], 1..NI_MAX
    input  wire [15:0]          i_n_out,        // n_out [values], 1..NO_MAX
    input  wire [15:0]          i_n_c,          // C [values], 1..C_MAX (dense feedback)
    input  wire [2:0]           i_lanes_log2,   // log2 of the lanes in use (LANES_RT = 1)
    input  wire [1:0]           i_act_mode,     // 0 table (tanh/sigmoid), 1 relu, 2 identity
    input  wire [1:0]           i_dact_mode,    // f'(h): 0 tanh 1−h², 1 sigmoid h(1−h), 2 relu, 3 identity
    input  wire [1:0]           i_fb_mode,      // 0 δh streamed in (n_out words), 1 one-hot e, 2 dense e (C words)
    input  wire                 i_train,        // 1: δz, (backprop,) gradient and update steps
    input  wire                 i_bp,           // 1: backprop step and δ out (needs BP = 1)
    input  wire [LRW-1:0]       i_lr_m,         // learning rate · 2^LR_S (unsigned)
    input  wire [15:0]          i_batch,        // samples in this batch [samples], 1..BATCH_MAX; constant while a batch runs
    input  wire                 i_fused,        // 1: fused dataflow (needs i_batch 1 and no backprop); constant while a stream runs
    input  wire                 i_flush,        // fused: while idle, apply the last sample's pending update
    // configuration memory port: loads W, b, B and the table, reads everything back (idle only)
    input  wire                 i_cfg_we,
    input  wire [2:0]           i_cfg_sel,      // 0 W[row][col], 1 b[row], 2 B[row=class][col] (2 bits: 01 +1, 11 −1, 00 0), 3 table[col],
                                                // read only: 4 z[row], 5 h[row], 6 δh[row], 7 δz[row]
    input  wire [15:0]          i_cfg_row,
    input  wire [15:0]          i_cfg_col,
    input  wire [31:0]          i_cfg_wdata,
    output reg  [63:0]          o_cfg_rdata,    // the cycle after the address, sign-extended
    // h in: n_in activations per sample
    input  wire                 i_h_valid,
    output wire                 o_h_ready,
    input  wire [AW-1:0]        i_h_data,
    // e in: one-hot (1 word, i_e_idx = class), dense (C words) or δh (n_out words)
    input  wire                 i_e_valid,
    output wire                 o_e_ready,
    input  wire [EW-1:0]        i_e_data,
    input  wire [15:0]          i_e_idx,
    // h out: n_out activations per sample
    output wire                 o_y_valid,
    input  wire                 i_y_ready,
    output wire [AW-1:0]        o_y_data,
    // δ out: n_in errors per sample (BP = 1 and i_bp)
    output wire                 o_d_valid,
    input  wire                 i_d_ready,
    output wire [EW-1:0]        o_d_data,
    // status
    output wire [2:0]           o_step,         // 0 none, 1 forward, 2 activation, 3 feedback, 4 δz, 5 gradient, 6 backprop, 7 apply
    output wire                 o_idle          // waiting for a sample's inputs, nothing running
);
    // Lint waivers (deliberate, set above the module): the rounding units' saturation flags are not
    // used (model/ counts saturations; the tile does not), and 16-bit
    // counters, configuration words and table positions are wider than the
    // memories they address, so their high bits are unused; the products
    // take their signed operands at their own widths (a multiplier of the
    // operands' widths, not of the result's), which Verilog sign-extends:
    // WIDTH is waived for that.
    // ---- sizes -----------------------------------------------------------
    localparam integer LGP  = $clog2(P);
    localparam integer DO   = (LANES_RT != 0) ? NO_MAX : (NO_MAX + P - 1) / P; // rows per lane
    localparam integer DW   = DO * NI_MAX;                               // W words per bank
    localparam integer DB   = DO * C_MAX;                                // B entries per bank
    localparam integer GWID = DO > 1 ? $clog2(DO) : 1;          // index bits of a lane's rows
    localparam integer KWID = NI_MAX > 1 ? $clog2(NI_MAX) : 1;  // index bits of the inputs
    localparam integer CWID = C_MAX > 1 ? $clog2(C_MAX) : 1;    // index bits of the classes
    localparam integer AWID = $clog2(DW);
    localparam integer HWID = $clog2(3 * NI_MAX);                       // index bits of the input buffers
    localparam integer BWID = $clog2(DB);
    localparam integer ZF   = AF + WF;                                   // z's fraction bits
    localparam integer ZW   = AW + WW + KWID + 3;                        // z's width
    localparam integer TW   = (EW + WW + LGP + KWID + 4 > ZW) ? EW + WW + LGP + KWID + 4 : ZW; // accumulators
    localparam integer FF   = GF + LR_S;                                 // update's fraction bits
    localparam integer UW0  = WW + FF - WF + 1;
    localparam integer UW1  = LRW + GW + 2;
    localparam integer UW   = (UW0 > UW1 ? UW0 : UW1) + 1;               // update's width
    localparam integer BLOG = BATCH_MAX > 1 ? $clog2(BATCH_MAX) : 0;
    localparam integer ACW  = EW + AW + BLOG;                            // accumulator: Σ δz·h, EF+AF fraction bits, exact

    localparam [3:0] S_LOAD = 4'd0, S_FWD = 4'd1, S_ACT = 4'd2, S_FB = 4'd3, S_DZ = 4'd4,
                     S_GRAD = 4'd5, S_BP = 4'd6, S_APPLY = 4'd7, S_WAIT = 4'd8;

    // ---- lanes in use ---------------------------------------------------------
    wire [2:0] w_lg = (LANES_RT != 0) ? i_lanes_log2 : LGP[2:0];
    wire [15:0] w_pu = 16'd1 << w_lg;                                   // P in use
    wire [15:0] w_f  = (i_n_out + w_pu - 16'd1) >> w_lg;               // groups f = ⌈n_out/P⌉

    // ---- control state ------------------------------------------------------
    reg [3:0]      r_state;
    reg [15:0]     r_bcnt;       // samples of this batch done (batch > 1)
    reg            r_pend;       // fused: an update is pending (δz in the rows' registers, its h in buffer r_pbuf)
    reg [1:0]      r_wbuf, r_cbuf, r_pbuf; // input buffers: being filled, this sample's, the pending update's
    reg [3:0]      r_next;       // the step S_WAIT waits to begin
    reg            r_drain;      // 0 issuing, 1 draining
    reg [7:0]      r_dcnt;       // drain cycles done
    reg [15:0]     r_g, r_k, r_c;  // group, input index / column, class
    reg [15:0]     r_hcnt, r_ecnt; // words received this sample
    reg [15:0]     r_ycnt, r_dcnt_out; // words sent
    reg            r_ysend, r_dsend;   // streaming out
    reg [15:0]     r_label;
    reg signed [EW-1:0] r_es;

    wire [15:0] w_e_need = i_fb_mode == 2'd1 ? 16'd1 : i_fb_mode == 2'd2 ? i_n_c : i_n_out;
    wire        w_h_done = r_hcnt == i_n_in;     // the buffer being filled is full
    wire        w_e_done = r_ecnt == w_e_need;
    assign o_h_ready = !w_h_done;
    assign o_e_ready = !w_e_done && r_state != S_GRAD && r_state != S_BP && r_state != S_DZ && r_state != S_APPLY;
    // batch > 1: accumulate, and apply after the batch's last sample
    wire w_batched = BATCH_MAX > 1 && i_batch > 16'd1;
    wire w_bfirst  = r_bcnt == 16'd0;
    wire w_blast   = r_bcnt == i_batch - 16'd1;
    wire w_h_fire = i_h_valid && o_h_ready;
    wire w_e_fire = i_e_valid && o_e_ready;
    assign o_step = (r_state == S_LOAD || r_state == S_WAIT) ? 3'd0 : r_state[2:0];
    assign o_idle = r_state == S_LOAD && r_hcnt == 16'd0 && !r_ysend && !r_dsend;

    // issue: the position of this cycle's work
    wire w_issue = r_state != S_LOAD && r_state != S_WAIT && !r_drain;
    // inner and outer loop ends of each step
    wire w_klast = r_k == i_n_in - 16'd1;
    wire w_glast = r_g == w_f - 16'd1;
    wire w_clast = r_c == i_n_c - 16'd1;
    reg  w_first, w_last, w_end;
    always @* begin
        w_first = 1'b1;
        w_last  = 1'b1;
        w_end   = 1'b0;
        case (r_state)
            S_FWD, S_GRAD, S_APPLY: begin w_first = r_k == 16'd0; w_last = w_klast; w_end = w_klast && w_glast; end
            S_ACT, S_DZ:   begin w_end = w_glast; end
            S_FB: if (i_fb_mode == 2'd2) begin w_first = r_c == 16'd0; w_last = w_clast; w_end = w_clast && w_glast; end
                  else w_end = w_glast;
            S_BP:          begin w_first = r_g == 16'd0; w_last = w_glast; w_end = w_glast && w_klast; end
            default: ;
        endcase
    end

    // the next step after `s`
    function [3:0] after;
        input [3:0] s;
        begin
            case (s)
                S_FWD:  after = S_ACT;
                S_ACT:  after = !i_train ? S_LOAD : i_fb_mode == 2'd0 ? S_DZ : S_FB;
                S_FB:   after = S_DZ;
                S_DZ:   after = (BP != 0 && i_bp) ? S_BP : i_fused ? S_LOAD : S_GRAD;
                S_BP:   after = S_GRAD;
                S_GRAD: after = (w_batched && w_blast) ? S_APPLY : S_LOAD;
                default: after = S_LOAD;
            endcase
        end
    endfunction
    // whether step `s` may begin: the activation step overwrites the h that
    // the h-out stream sends, the backprop step the δ of the δ-out stream;
    // the feedback step (and the δz step of a tile whose δh is streamed in)
    // needs e.  Otherwise the tile waits in S_WAIT (o_step 0).
    function rdy;
        input [3:0] s;
        begin
            case (s)
                S_ACT:  rdy = !r_ysend;
                S_FB:   rdy = w_e_done;
                S_DZ:   rdy = i_fb_mode != 2'd0 || w_e_done;
                S_BP:   rdy = !r_dsend;
                default: rdy = 1'b1;
            endcase
        end
    endfunction

    always @(posedge i_clk) begin
        if (i_rst) begin
            r_state <= S_LOAD; r_drain <= 1'b0; r_dcnt <= 8'd0; r_bcnt <= 16'd0; r_pend <= 1'b0;
            r_wbuf <= 2'd0; r_cbuf <= 2'd1; r_pbuf <= 2'd2; r_next <= S_LOAD;
            r_g <= 16'd0; r_k <= 16'd0; r_c <= 16'd0;
            r_hcnt <= 16'd0; r_ecnt <= 16'd0; r_label <= 16'd0; r_es <= {EW{1'b0}};
        end else begin
            if (w_h_fire) r_hcnt <= r_hcnt + 16'd1;
            if (w_e_fire) begin
                r_ecnt <= r_ecnt + 16'd1;
                if (i_fb_mode == 2'd1) begin r_label <= i_e_idx; r_es <= i_e_data; end
            end
            case (r_state)
                S_LOAD: if (w_h_done) begin
                    r_state <= S_FWD; r_g <= 16'd0; r_k <= 16'd0; r_c <= 16'd0;
                    r_pbuf <= r_cbuf; r_cbuf <= r_wbuf; r_wbuf <= r_pbuf; r_hcnt <= 16'd0;
                end else if (i_fused && i_flush && r_pend && r_hcnt == 16'd0 && !r_ysend && !r_dsend) begin
                    r_state <= S_GRAD; r_g <= 16'd0; r_k <= 16'd0; r_c <= 16'd0;
                end
                S_WAIT: if (rdy(r_next)) r_state <= r_next;
                default: if (!r_drain) begin
                    // advance the loops
                    case (r_state)
                        S_FWD, S_GRAD, S_APPLY: if (w_klast) begin r_k <= 16'd0; r_g <= r_g + 16'd1; end
                                       else r_k <= r_k + 16'd1;
                        S_FB: if (i_fb_mode == 2'd2 && !w_clast) r_c <= r_c + 16'd1;
                              else begin r_c <= 16'd0; r_g <= r_g + 16'd1; end
                        S_BP: if (w_glast) begin r_g <= 16'd0; r_k <= r_k + 16'd1; end
                              else r_g <= r_g + 16'd1;
                        default: r_g <= r_g + 16'd1;
                    endcase
                    if (w_end) begin r_drain <= 1'b1; r_dcnt <= 8'd0; end
                end else begin
                    r_dcnt <= r_dcnt + 8'd1;
                    if (r_dcnt == LAT[7:0] - 8'd1) begin
                        r_drain <= 1'b0;
                        r_g <= 16'd0; r_k <= 16'd0; r_c <= 16'd0;
                        if (after(r_state) == S_LOAD) begin
                            r_ecnt <= 16'd0;
                            // the next sample's input is there: start it at once
                            if (w_h_done) begin
                                r_state <= S_FWD;
                                r_pbuf <= r_cbuf; r_cbuf <= r_wbuf; r_wbuf <= r_pbuf; r_hcnt <= 16'd0;
                            end else r_state <= S_LOAD;
                        end else if (rdy(after(r_state))) r_state <= after(r_state);
                        else begin r_state <= S_WAIT; r_next <= after(r_state); end
                        if (r_state == S_GRAD && w_batched) r_bcnt <= w_blast ? 16'd0 : r_bcnt + 16'd1;
                        // fused: the sample's update waits for the next forward step (or the flush)
                        if (r_state == S_DZ && i_fused && i_train) r_pend <= 1'b1;
                        if (r_state == S_GRAD && i_fused) r_pend <= 1'b0;
                    end
                end
            endcase
        end
    end

    // ---- stage 1: what was issued last cycle ----------------------------------
    reg        p_v, p_first, p_last;
    reg [3:0]  p_state;
    reg [15:0] p_g, p_k, p_c;
    always @(posedge i_clk) begin
        if (i_rst) p_v <= 1'b0;
        else p_v <= w_issue;
        p_state <= r_state; p_g <= r_g; p_k <= r_k; p_c <= r_c; p_first <= w_first; p_last <= w_last;
    end
    wire w_fwd = p_v && p_state == S_FWD, w_act = p_v && p_state == S_ACT, w_fb = p_v && p_state == S_FB,
         w_dz = p_v && p_state == S_DZ, w_grad = p_v && p_state == S_GRAD, w_bps = p_v && p_state == S_BP,
         w_app = p_v && p_state == S_APPLY;

    // ---- shared buffers --------------------------------------------------------
    // h in: three buffers of NI_MAX words — being filled, this sample's, and
    // (fused) the pending update's — rotated when a sample starts; this
    // sample's and the pending one's are read synchronously at issue
    reg [AW-1:0] r_hin [0:3*NI_MAX-1];
    reg [AW-1:0] r_hcur_q, r_hpre_q;
    wire [HWID-1:0] w_hwa = r_wbuf * NI_MAX[HWID-1:0] + r_hcnt[HWID-1:0];
    wire [HWID-1:0] w_hca = r_cbuf * NI_MAX[HWID-1:0] + r_k[HWID-1:0];
    wire [HWID-1:0] w_hpa = r_pbuf * NI_MAX[HWID-1:0] + r_k[HWID-1:0];
    always @(posedge i_clk) begin
        if (w_h_fire) r_hin[w_hwa] <= i_h_data;
        r_hcur_q <= r_hin[w_hca];
        r_hpre_q <= r_hin[w_hpa];
    end
    wire signed [AW-1:0] w_h    = r_hcur_q;   // this sample's input
    wire signed [AW-1:0] w_hpre = r_hpre_q;   // fused: the pending update's input
    // fused: this forward step also applies the previous sample's update
    wire w_fupd = w_fwd && i_fused && r_pend && i_train;
    // dense e
    reg [EW-1:0] r_ebuf [0:C_MAX-1];
    always @(posedge i_clk)
        if (w_e_fire && i_fb_mode == 2'd2) r_ebuf[r_ecnt[CWID-1:0]] <= i_e_data;
    // the activation table T[0..256] (activation format)
    reg [AW-1:0] r_lut [0:256] /*verilator public_flat_rw*/;
    always @(posedge i_clk)
        if (i_cfg_we && i_cfg_sel == 3'd3 && r_state == S_LOAD) r_lut[i_cfg_col[8:0]] <= i_cfg_wdata[AW-1:0];

    // configuration access: which lane and which row in it
    wire [15:0] w_cfg_lane = i_cfg_row & (w_pu - 16'd1);
    wire [15:0] w_cfg_r    = i_cfg_row >> w_lg;
    wire        w_cfg_ok   = r_state == S_LOAD;
    // issue addresses
    wire [AWID-1:0] w_waddr = r_g[AWID-1:0] * NI_MAX[AWID-1:0] + r_k[AWID-1:0];
    wire [AWID-1:0] w_cfg_waddr = w_cfg_r[AWID-1:0] * NI_MAX[AWID-1:0] + i_cfg_col[AWID-1:0];
    wire [BWID-1:0] w_baddr = (i_fb_mode == 2'd1 ? r_label[BWID-1:0] : r_c[BWID-1:0]) * DO[BWID-1:0] + r_g[BWID-1:0];
    wire [15:0]     w_cfg_bcol  = i_cfg_col >> w_lg;
    wire [BWID-1:0] w_cfg_baddr = i_cfg_row[BWID-1:0] * DO[BWID-1:0] + w_cfg_bcol[BWID-1:0];
    wire [15:0]     w_cfg_blane = i_cfg_col & (w_pu - 16'd1);

    // ---- lanes -------------------------------------------------------------------
    wire [64*P-1:0]          w_lane_rd;   // configuration read data of each lane
    wire signed [EW+WW+1:0]  w_bp_prod [0:P-1];
    wire [AW*P-1:0]          w_hrow;      // h of each lane at the y stream's row

    // y stream position
    wire [15:0] w_ylane = r_ycnt & (w_pu - 16'd1);
    wire [15:0] w_yrow  = r_ycnt >> w_lg;

    genvar l;
    generate
        for (l = 0; l < P; l = l + 1) begin : lane
            reg [WW-1:0]        r_w [0:DW-1] /*verilator public_flat_rw*/;     // the bank: W rows l, l+P, …
            reg [WW-1:0]        r_wq;             // read data
            reg [1:0]           r_b [0:DB-1] /*verilator public_flat_rw*/;     // feedback ROM: B[c][row] of this lane's rows
            reg [1:0]           r_bq;
            reg [WW-1:0]        r_bias [0:DO-1] /*verilator public_flat_rw*/;
            reg [ACW-1:0]       r_abias [0:DO-1] /*verilator public_flat_rw*/; // Σ δz·2^AF of the batch (batch > 1)
            reg [ZW-1:0]        r_z  [0:DO-1] /*verilator public_flat_rw*/;
            reg [AW-1:0]        r_hb [0:DO-1] /*verilator public_flat_rw*/;
            reg [EW-1:0]        r_dh [0:DO-1] /*verilator public_flat_rw*/;
            reg [EW-1:0]        r_dz [0:DO-1] /*verilator public_flat_rw*/;
            reg signed [TW-1:0] r_acc;
            reg [63:0]          r_rd;

            wire [15:0] w_row = (p_g << w_lg) + l;               // row this lane works on
            wire        w_on  = (l < w_pu) && (w_row < i_n_out);   // lane has a row
            wire [GWID-1:0] w_pg = p_g[GWID-1:0];

            // forward: the product and the running sum (fused: of the weight
            // just updated with the previous sample's gradient)
            wire signed [WW-1:0]     w_wq = r_wq;
            wire signed [WW-1:0]     w_wnew;
            wire signed [WW-1:0]     w_wf = w_fupd ? w_wnew : w_wq;
            wire signed [AW+WW-1:0]  w_prod = w_wf * w_h;
            wire signed [TW-1:0]     w_prodx = {{(TW-AW-WW){w_prod[AW+WW-1]}}, w_prod};
            wire signed [TW-1:0]     w_sum = (p_first ? {TW{1'b0}} : r_acc) + w_prodx;

            // activation: v = z + b, then the table / relu / identity
            wire signed [ZW-1:0]  w_zv   = r_z[w_pg];
            wire signed [WW-1:0]  w_bv   = r_bias[w_pg];
            wire signed [ZW+1:0]  w_zx   = {{2{w_zv[ZW-1]}}, w_zv};
            wire signed [ZW+1:0]  w_bx   = {{(ZW+2-WW){w_bv[WW-1]}}, w_bv};
            wire signed [ZW+1:0]  w_v    = w_zx + (w_bx <<< AF);
            wire signed [ZW+1:0]  w_8    = $signed({{(ZW+1){1'b0}}, 1'b1} << (ZF + 3));  // 8·2^ZF
            wire signed [ZW+1:0]  w_256  = $signed({{(ZW+1){1'b0}}, 1'b1} << (ZF + 4)); // 256·2^(ZF−4)
            wire signed [ZW+1:0]  w_u    = w_v + w_8;                  // (v + 8)·2^ZF = u·2^(ZF−4)
            wire                  w_lo   = w_u <= $signed({(ZW+2){1'b0}});
            wire                  w_hi   = w_u >= w_256;
            wire [ZW+1:0]         w_uk   = w_u >>> (ZF - 4);
            wire [8:0]            w_ti   = w_lo ? 9'd0 : w_hi ? 9'd256 : {1'b0, w_uk[7:0]};
            wire [ZW+13:0]        w_ufr  = {w_u, 12'd0} >> (ZF - 4);
            wire [11:0]           w_r    = (w_lo || w_hi) ? 12'd0 : w_ufr[11:0];   // 12 fraction bits of u
            wire signed [AW-1:0]  w_t0   = r_lut[w_ti];
            wire signed [AW-1:0]  w_t1   = r_lut[(w_lo || w_hi) ? w_ti : w_ti + 9'd1];
            wire signed [AW+13:0] w_t0x  = {{14{w_t0[AW-1]}}, w_t0};
            wire signed [AW+13:0] w_t1x  = {{14{w_t1[AW-1]}}, w_t1};
            wire signed [AW:0]    w_td   = {w_t1[AW-1], w_t1} - {w_t0[AW-1], w_t0};   // T[k+1] − T[k]
            wire signed [12:0]    w_rs   = $signed({1'b0, w_r});
            wire signed [AW+13:0] w_tm   = w_td * w_rs;           // (AW+1) × 13 bits
            wire signed [AW+13:0] w_tab  = (w_t0x <<< 12) + w_tm;  // h·2^(AF+12), exact
            wire signed [ZW+1:0]  w_relu = w_v > $signed({(ZW+2){1'b0}}) ? w_v : {(ZW+2){1'b0}};
            wire signed [AW-1:0]  w_h_tab, w_h_lin;
            f3_round #(.XW(AW+14), .XF(AF+12), .OW(AW), .OF(AF)) u_rt (.i_x(w_tab), .o_y(w_h_tab), .o_sat());
            f3_round #(.XW(ZW+2), .XF(ZF), .OW(AW), .OF(AF)) u_rl
                (.i_x(i_act_mode == 2'd1 ? w_relu : w_v), .o_y(w_h_lin), .o_sat());
            wire signed [AW-1:0]  w_hnew = i_act_mode == 2'd0 ? w_h_tab : w_h_lin;

            // feedback: ±e (one-hot) or Σ_c ±e_c (dense)
            wire signed [EW-1:0]  w_ec  = i_fb_mode == 2'd1 ? r_es : r_ebuf[p_c[CWID-1:0]];
            wire signed [TW-1:0]  w_ecx = {{(TW-EW){w_ec[EW-1]}}, w_ec};
            wire signed [TW-1:0]  w_ect = r_bq == 2'b01 ? w_ecx : r_bq == 2'b11 ? -w_ecx : {TW{1'b0}};
            wire signed [TW-1:0]  w_fsum = (p_first ? {TW{1'b0}} : r_acc) + w_ect;
            wire signed [EW-1:0]  w_dh_new;
            f3_round #(.XW(TW), .XF(EF), .OW(EW), .OF(EF)) u_rf (.i_x(w_fsum), .o_y(w_dh_new), .o_sat());

            // δz = δh · f'(h), f' from the layer's own output h, exact
            wire signed [EW-1:0]     w_dhv = r_dh[w_pg];
            wire signed [AW-1:0]     w_hv  = r_hb[w_pg];
            wire signed [2*AW+1:0]   w_hvx = {{(AW+2){w_hv[AW-1]}}, w_hv};
            wire signed [2*AW+1:0]   w_one = $signed({{(2*AW+1){1'b0}}, 1'b1} << AF);      // 1·2^AF
            wire signed [2*AW+1:0]   w_one2 = $signed({{(2*AW+1){1'b0}}, 1'b1} << (2 * AF)); // 1·2^(2AF)
            wire signed [AW:0]       w_omh = $signed({1'b0, w_one[AW-1:0]}) - {w_hv[AW-1], w_hv}; // 1 − h
            wire signed [2*AW+1:0]   w_hh  = w_hv * w_hv;                       // h², AW × AW bits
            wire signed [2*AW+1:0]   w_hs  = w_hv * w_omh;                      // h(1 − h), AW × (AW+1) bits
            wire signed [2*AW+1:0]   w_fp  = i_dact_mode == 2'd0 ? w_one2 - w_hh :
                                             i_dact_mode == 2'd1 ? w_hs :
                                             i_dact_mode == 2'd2 ? (w_hv > $signed({AW{1'b0}}) ? w_one2 : {(2*AW+2){1'b0}}) : w_one2;
            wire signed [EW+2*AW+1:0] w_dzx = w_dhv * w_fp;   // EW × (2AW+2) bits
            wire signed [EW-1:0]     w_dz_new;
            f3_round #(.XW(EW+2*AW+2), .XF(EF+2*AF), .OW(EW), .OF(EF)) u_rd (.i_x(w_dzx), .o_y(w_dz_new), .o_sat());

            // gradient and SGD update: g = round(δz·h), w' = round(w − lr·g);
            // the bias in the δz step: g = round(δz·1), b' = round(b − lr·g).
            // Batch > 1: the gradient step adds δz·h to the accumulator (exact),
            // the apply step takes g = round(A); the bias adds δz·1 to its
            // accumulator, and its last sample takes g = round(A_b + δz·1)
            wire signed [EW-1:0]    w_dzv  = w_dz ? w_dz_new : r_dz[w_pg];
            wire signed [AW-1:0]    w_hg   = w_dz ? w_one[AW-1:0] : w_fupd ? w_hpre : w_h;
            wire signed [EW+AW-1:0] w_gx   = w_dzv * w_hg;   // EW × AW bits
            wire signed [ACW-1:0]   w_gxa  = w_gx;            // sign-extended
            wire signed [ACW-1:0]   w_aq;                     // accumulator bank's read data
            wire signed [ACW-1:0]   w_abv  = r_abias[w_pg];
            wire signed [ACW-1:0]   w_asum = (w_bfirst ? {ACW{1'b0}} : (w_dz ? w_abv : w_aq)) + w_gxa;
            wire signed [ACW-1:0]   w_gin  = w_app ? w_aq : w_batched ? w_asum : w_gxa;
            wire signed [GW-1:0]    w_g;
            f3_round #(.XW(ACW), .XF(EF+AF), .OW(GW), .OF(GF)) u_rg (.i_x(w_gin), .o_y(w_g), .o_sat());
            wire signed [WW-1:0]    w_old  = w_dz ? w_bv : w_wq;
            wire signed [UW-1:0]    w_oldx = {{(UW-WW){w_old[WW-1]}}, w_old};
            wire signed [LRW:0]     w_lrs  = $signed({1'b0, i_lr_m});
            wire signed [UW-1:0]    w_lrg  = w_lrs * w_g;    // lr·g·2^FF, (LRW+1) × GW bits
            wire signed [UW-1:0]    w_ud   = (w_oldx <<< (FF - WF)) - w_lrg;   // (w − lr·g)·2^FF, exact
            f3_round #(.XW(UW), .XF(FF), .OW(WW), .OF(WF)) u_ru (.i_x(w_ud), .o_y(w_wnew), .o_sat());

            // backprop: this lane's product for the adder tree
            wire signed [EW-1:0]      w_dzb = r_dz[w_pg];
            wire signed [EW+WW+1:0]   w_bpm = w_wq * w_dzb;  // WW × EW bits
            assign w_bp_prod[l] = w_on ? w_bpm : {(EW+WW+2){1'b0}};

            // memories: issue-time reads, stage-1 writes
            wire w_cfg_me = w_cfg_ok && w_cfg_lane == l;
            wire [15:0] w_eidx = i_e_idx >> w_lg;
            wire [AWID-1:0] w_ra = w_issue ? w_waddr : w_cfg_waddr;
            reg  [AWID-1:0] r_wa;
            always @(posedge i_clk) begin
                r_wq <= r_w[w_ra];
                r_wa <= w_ra;
                if (((w_grad && !w_batched) || w_app || w_fupd) && w_on && i_train) r_w[r_wa] <= w_wnew;
                else if (i_cfg_we && i_cfg_sel == 3'd0 && w_cfg_me) r_w[w_cfg_waddr] <= i_cfg_wdata[WW-1:0];
            end
            // the accumulator bank (batch > 1): read at issue, written in stage 1
            if (BATCH_MAX > 1) begin : accb
                reg [ACW-1:0] r_a [0:DW-1] /*verilator public_flat_rw*/;
                reg [ACW-1:0] r_aq;
                always @(posedge i_clk) begin
                    r_aq <= r_a[w_waddr];
                    if (w_grad && w_batched && w_on && i_train) r_a[r_wa] <= w_asum;
                end
                assign w_aq = r_aq;
            end else begin : noaccb
                assign w_aq = {ACW{1'b0}};
            end
            wire [BWID-1:0] w_rb = w_issue ? w_baddr : w_cfg_baddr;
            always @(posedge i_clk) begin
                r_bq <= r_b[w_rb];
                if (i_cfg_we && i_cfg_sel == 3'd2 && w_cfg_ok && w_cfg_blane == l) r_b[w_cfg_baddr] <= i_cfg_wdata[1:0];
            end
            always @(posedge i_clk) begin
                if (w_fwd || (w_fb && i_fb_mode == 2'd2)) r_acc <= w_fwd ? w_sum : w_fsum;
                if (w_fwd && p_last && w_on) r_z[w_pg] <= w_sum[ZW-1:0];
                if (w_act && w_on) r_hb[w_pg] <= w_hnew;
                if (w_fb && p_last && w_on) r_dh[w_pg] <= w_dh_new;
                if (w_e_fire && i_fb_mode == 2'd0 && (i_e_idx & (w_pu - 16'd1)) == l)
                    r_dh[w_eidx[GWID-1:0]] <= i_e_data;
                if (w_dz && w_on) begin
                    r_dz[w_pg] <= w_dz_new;
                    if (i_train && w_batched && !w_blast) r_abias[w_pg] <= w_asum;
                    else if (i_train) r_bias[w_pg] <= w_wnew;
                end
                if (i_cfg_we && i_cfg_sel == 3'd1 && w_cfg_me) r_bias[w_cfg_r[GWID-1:0]] <= i_cfg_wdata[WW-1:0];
            end
            // configuration read data (sign-extended)
            wire [GWID-1:0] w_cr = w_cfg_r[GWID-1:0];
            always @* begin
                case (i_cfg_sel)
                    3'd0: r_rd = {{(64-WW){r_wq[WW-1]}}, r_wq};
                    3'd1: r_rd = {{(64-WW){r_bias[w_cr][WW-1]}}, r_bias[w_cr]};
                    3'd2: r_rd = {62'd0, r_bq};
                    3'd4: r_rd = {{(64-ZW){r_z[w_cr][ZW-1]}}, r_z[w_cr]};
                    3'd5: r_rd = {{(64-AW){r_hb[w_cr][AW-1]}}, r_hb[w_cr]};
                    3'd6: r_rd = {{(64-EW){r_dh[w_cr][EW-1]}}, r_dh[w_cr]};
                    3'd7: r_rd = {{(64-EW){r_dz[w_cr][EW-1]}}, r_dz[w_cr]};
                    default: r_rd = 64'd0;
                endcase
            end
            assign w_lane_rd[64*l +: 64] = r_rd;
            assign w_hrow[AW*l +: AW] = r_hb[w_yrow[GWID-1:0]];
        end
    endgenerate

    // ---- backprop: adder tree over the lanes, accumulated over the groups ----
    localparam integer BPW = EW + WW + 2 + LGP;
    reg signed [BPW-1:0] r_tree;
    integer t;
    always @* begin
        r_tree = {BPW{1'b0}};
        for (t = 0; t < P; t = t + 1)
            r_tree = r_tree + {{(BPW-EW-WW-2){w_bp_prod[t][EW+WW+1]}}, w_bp_prod[t]};
    end
    reg  signed [TW-1:0] r_bacc;
    wire signed [TW-1:0] w_bsum = (p_first ? {TW{1'b0}} : r_bacc) + {{(TW-BPW){r_tree[BPW-1]}}, r_tree};
    wire signed [EW-1:0] w_dout_new;
    f3_round #(.XW(TW), .XF(EF + WF), .OW(EW), .OF(EF)) u_rbp (.i_x(w_bsum), .o_y(w_dout_new), .o_sat());
    reg [EW-1:0] r_dout [0:NI_MAX-1];
    always @(posedge i_clk) begin
        if (w_bps) r_bacc <= w_bsum;
        if (w_bps && p_last) r_dout[p_k[KWID-1:0]] <= w_dout_new;
    end

    // ---- streams out -------------------------------------------------------------
    // y: starts when the activation step is done, runs beside the next steps
    wire w_act_end = r_state == S_ACT && r_drain && r_dcnt == LAT[7:0] - 8'd1;
    wire w_bp_end  = r_state == S_BP && r_drain && r_dcnt == LAT[7:0] - 8'd1;
    assign o_y_valid = r_ysend;
    assign o_y_data  = w_hrow[AW*w_ylane[LGP > 0 ? LGP-1 : 0:0] +: AW];
    assign o_d_valid = BP != 0 && r_dsend;
    assign o_d_data  = r_dout[r_dcnt_out[KWID-1:0]];
    always @(posedge i_clk) begin
        if (i_rst) begin
            r_ysend <= 1'b0; r_ycnt <= 16'd0; r_dsend <= 1'b0; r_dcnt_out <= 16'd0;
        end else begin
            if (w_act_end) begin r_ysend <= 1'b1; r_ycnt <= 16'd0; end
            else if (r_ysend && i_y_ready) begin
                r_ycnt <= r_ycnt + 16'd1;
                if (r_ycnt == i_n_out - 16'd1) r_ysend <= 1'b0;
            end
            if (BP != 0 && w_bp_end) begin r_dsend <= 1'b1; r_dcnt_out <= 16'd0; end
            else if (r_dsend && i_d_ready) begin
                r_dcnt_out <= r_dcnt_out + 16'd1;
                if (r_dcnt_out == i_n_in - 16'd1) r_dsend <= 1'b0;
            end
        end
    end

    // configuration read: valid in the cycle after the address is set (W and
    // B are read synchronously), while the address is held
    wire [15:0] w_rlane = i_cfg_sel == 3'd2 ? w_cfg_blane : w_cfg_lane;
    always @* begin
        if (i_cfg_sel == 3'd3) o_cfg_rdata = {{(64-AW){r_lut[i_cfg_col[8:0]][AW-1]}}, r_lut[i_cfg_col[8:0]]};
        else o_cfg_rdata = w_lane_rd[64*w_rlane[LGP > 0 ? LGP-1 : 0:0] +: 64];
    end
    /* verilator lint_on WIDTH */
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_on PINCONNECTEMPTY */
endmodule
`default_nettype wire
