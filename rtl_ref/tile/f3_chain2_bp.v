// f3_chain2_bp: two f3_tiles in a BP chain (a hidden tile and the output
// tile) — the hidden tile's h out wired to the output tile's h in, and the
// output tile's δ out (δ_1 = round(W_2ᵀ δz_2), n1 words, from its backprop
// step) wired back into the hidden tile's e port, which takes δh streamed
// in (i_fb_mode 0, one word per row, i_e_idx = row; the link numbers the
// words, since the δ stream sends them in order 0 … n1−1).  The hidden tile
// turns δ into δz_1 = round(δ ⊙ f'(h_1)) in its δz step, then runs its
// gradient step; it has no backprop step (BP = 0: no layer below).  The
// output tile runs δz (the loss's δz streamed in, i_dact_mode 3), backprop
// — releasing δ at its end — then its gradient step.  The input streamer
// (x) and the loss unit (δz_2) are outside.  Lanes in use are set at run
// time (LANES_RT = 1), per tile.  One configuration port serves both tiles
// (i_cfg_tile selects).  The δ link is visible on o_dl_* for the testbench.
// The forward-only chain, f3_chain2, is unchanged.
`default_nettype none
/* verilator lint_off PINCONNECTEMPTY */  // the hidden tile's δ out: no layer below
module f3_chain2_bp #(
    parameter integer P      = 16,    // MAC lanes per tile (the most in use), a power of two
    parameter integer N0_MAX = 64,    // largest input width [values]
    parameter integer N1_MAX = 32,    // largest hidden width [values]
    parameter integer N2_MAX = 16,    // largest output width [values] (= classes)
    parameter integer LAT    = 1,     // drain cycles after every step [cycles]
    parameter integer AW = 16, AF = 12, WW = 16, WF = 14, EW = 16, EF = 14, GW = 16, GF = 14, // formats, as f3_tile
    parameter integer LR_S   = 32     // lr = i_lr_m · 2^−LR_S
) (
    input  wire          i_clk,
    input  wire          i_rst,
    input  wire [15:0]   i_n0, i_n1, i_n2,    // widths [values]
    input  wire [2:0]    i_lanes1_log2,       // log2 of the lanes in use, hidden tile
    input  wire [2:0]    i_lanes2_log2,       // log2 of the lanes in use, output tile
    input  wire [1:0]    i_act1, i_dact1,     // hidden tile's activation and derivative (f3_tile's codes)
    input  wire [1:0]    i_act2,              // output tile's activation
    input  wire [31:0]   i_lr_m,
    input  wire          i_cfg_we,
    input  wire          i_cfg_tile,          // 0 hidden tile, 1 output tile
    input  wire [2:0]    i_cfg_sel,
    input  wire [15:0]   i_cfg_row, i_cfg_col,
    input  wire [31:0]   i_cfg_wdata,
    output wire [63:0]   o_cfg_rdata,
    input  wire          i_x_valid,           // x: n0 activations per sample
    output wire          o_x_ready,
    input  wire [AW-1:0] i_x_data,
    output wire          o_y_valid,           // y: n2 outputs per sample
    input  wire          i_y_ready,
    output wire [AW-1:0] o_y_data,
    input  wire          i_dz_valid,          // δz of the output layer (the loss unit's), n2 words
    output wire          o_dz_ready,
    input  wire [EW-1:0] i_dz_data,
    input  wire [15:0]   i_dz_idx,
    output wire          o_dl_valid,          // the δ link (output tile → hidden tile), for the testbench
    output wire          o_dl_ready,
    output wire [EW-1:0] o_dl_data,
    output wire [15:0]   o_dl_idx,
    output wire [2:0]    o_step1, o_step2,
    output wire          o_idle
);
    wire          w_h_valid, w_h_ready;
    wire [AW-1:0] w_h_data;
    wire          w_d_valid, w_d_ready;
    wire [EW-1:0] w_d_data;
    wire [63:0]   w_rd1, w_rd2;
    wire          w_idle1, w_idle2;
    assign o_cfg_rdata = i_cfg_tile ? w_rd2 : w_rd1;
    assign o_idle = w_idle1 && w_idle2;

    // the δ link: word r_didx of the n1 words of a sample
    reg  [15:0] r_didx;
    wire        w_d_fire = w_d_valid && w_d_ready;
    always @(posedge i_clk) begin
        if (i_rst) r_didx <= 16'd0;
        else if (w_d_fire) r_didx <= (r_didx == i_n1 - 16'd1) ? 16'd0 : r_didx + 16'd1;
    end
    assign o_dl_valid = w_d_valid;
    assign o_dl_ready = w_d_ready;
    assign o_dl_data  = w_d_data;
    assign o_dl_idx   = r_didx;

    f3_tile #(.P(P), .LANES_RT(1), .NI_MAX(N0_MAX), .NO_MAX(N1_MAX), .C_MAX(1), .BP(0), .LAT(LAT),
              .AW(AW), .AF(AF), .WW(WW), .WF(WF), .EW(EW), .EF(EF), .GW(GW), .GF(GF), .LRW(32), .LR_S(LR_S)) u_t1 (
        .i_clk(i_clk), .i_rst(i_rst),
        .i_n_in(i_n0), .i_n_out(i_n1), .i_n_c(16'd1), .i_lanes_log2(i_lanes1_log2),
        .i_act_mode(i_act1), .i_dact_mode(i_dact1), .i_fb_mode(2'd0), .i_train(1'b1), .i_bp(1'b0), .i_lr_m(i_lr_m), .i_batch(16'd1), .i_fused(1'b0), .i_flush(1'b0),
        .i_cfg_we(i_cfg_we && !i_cfg_tile), .i_cfg_sel(i_cfg_sel), .i_cfg_row(i_cfg_row), .i_cfg_col(i_cfg_col),
        .i_cfg_wdata(i_cfg_wdata), .o_cfg_rdata(w_rd1),
        .i_h_valid(i_x_valid), .o_h_ready(o_x_ready), .i_h_data(i_x_data),
        .i_e_valid(w_d_valid), .o_e_ready(w_d_ready), .i_e_data(w_d_data), .i_e_idx(r_didx),
        .o_y_valid(w_h_valid), .i_y_ready(w_h_ready), .o_y_data(w_h_data),
        .o_d_valid(), .i_d_ready(1'b1), .o_d_data(),
        .o_step(o_step1), .o_idle(w_idle1));

    f3_tile #(.P(P), .LANES_RT(1), .NI_MAX(N1_MAX), .NO_MAX(N2_MAX), .C_MAX(1), .BP(1), .LAT(LAT),
              .AW(AW), .AF(AF), .WW(WW), .WF(WF), .EW(EW), .EF(EF), .GW(GW), .GF(GF), .LRW(32), .LR_S(LR_S)) u_t2 (
        .i_clk(i_clk), .i_rst(i_rst),
        .i_n_in(i_n1), .i_n_out(i_n2), .i_n_c(16'd1), .i_lanes_log2(i_lanes2_log2),
        .i_act_mode(i_act2), .i_dact_mode(2'd3), .i_fb_mode(2'd0), .i_train(1'b1), .i_bp(1'b1), .i_lr_m(i_lr_m), .i_batch(16'd1), .i_fused(1'b0), .i_flush(1'b0),
        .i_cfg_we(i_cfg_we && i_cfg_tile), .i_cfg_sel(i_cfg_sel), .i_cfg_row(i_cfg_row), .i_cfg_col(i_cfg_col),
        .i_cfg_wdata(i_cfg_wdata), .o_cfg_rdata(w_rd2),
        .i_h_valid(w_h_valid), .o_h_ready(w_h_ready), .i_h_data(w_h_data),
        .i_e_valid(i_dz_valid), .o_e_ready(o_dz_ready), .i_e_data(i_dz_data), .i_e_idx(i_dz_idx),
        .o_y_valid(o_y_valid), .i_y_ready(i_y_ready), .o_y_data(o_y_data),
        .o_d_valid(w_d_valid), .i_d_ready(w_d_ready), .o_d_data(w_d_data),
        .o_step(o_step2), .o_idle(w_idle2));
endmodule
/* verilator lint_on PINCONNECTEMPTY */
`default_nettype wire
