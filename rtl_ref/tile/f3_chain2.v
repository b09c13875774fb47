// f3_chain2: two f3_tiles in a chain (a hidden tile and the output tile),
// the hidden tile's h out wired to the output tile's h in — the forward-only
// F³ fabric of docs/hardware-model.md.  The input streamer (x, the stored
// error e) and the loss unit (the output's δz) are outside: the hidden tile
// takes e (one-hot: the target class's entry), the output tile δz.  One
// configuration port serves both tiles (i_cfg_tile selects).
`default_nettype none
/* verilator lint_off PINCONNECTEMPTY */  // δ out is not used: F³ needs no backward path
module f3_chain2 #(
    parameter integer P      = 16,    // MAC lanes per tile, a power of two
    parameter integer N0_MAX = 1024,  // largest input width [values]
    parameter integer N1_MAX = 32,    // largest hidden width [values]
    parameter integer N2_MAX = 16,    // largest output width [values] (= classes)
    parameter integer LAT    = 1,     // drain cycles after every step [cycles]
    parameter integer AW = 16, AF = 12, WW = 16, WF = 14, EW = 16, EF = 14, GW = 16, GF = 14, // formats, as f3_tile
    parameter integer LR_S   = 32     // lr = i_lr_m · 2^−LR_S
) (
    input  wire          i_clk,
    input  wire          i_rst,
    input  wire [15:0]   i_n0, i_n1, i_n2,    // widths 784, 32, 10 [values]
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
    input  wire          i_e_valid,           // e: the target class's entry of the stored error
    output wire          o_e_ready,
    input  wire [EW-1:0] i_e_data,
    input  wire [15:0]   i_e_label,
    output wire          o_y_valid,           // y: n2 outputs per sample
    input  wire          i_y_ready,
    output wire [AW-1:0] o_y_data,
    input  wire          i_dz_valid,          // δz of the output layer (the loss unit's), n2 words
    output wire          o_dz_ready,
    input  wire [EW-1:0] i_dz_data,
    input  wire [15:0]   i_dz_idx,
    output wire [2:0]    o_step1, o_step2,
    output wire          o_idle
);
    wire          w_h_valid, w_h_ready;
    wire [AW-1:0] w_h_data;
    wire [63:0]   w_rd1, w_rd2;
    wire          w_idle1, w_idle2;
    assign o_cfg_rdata = i_cfg_tile ? w_rd2 : w_rd1;
    assign o_idle = w_idle1 && w_idle2;

    f3_tile #(.P(P), .LANES_RT(0), .NI_MAX(N0_MAX), .NO_MAX(N1_MAX), .C_MAX(N2_MAX), .BP(0), .LAT(LAT),
              .AW(AW), .AF(AF), .WW(WW), .WF(WF), .EW(EW), .EF(EF), .GW(GW), .GF(GF), .LRW(32), .LR_S(LR_S)) u_t1 (
        .i_clk(i_clk), .i_rst(i_rst),
        .i_n_in(i_n0), .i_n_out(i_n1), .i_n_c(i_n2), .i_lanes_log2(3'd0),
        .i_act_mode(i_act1), .i_dact_mode(i_dact1), .i_fb_mode(2'd1), .i_train(1'b1), .i_bp(1'b0), .i_lr_m(i_lr_m), .i_batch(16'd1), .i_fused(1'b0), .i_flush(1'b0),
        .i_cfg_we(i_cfg_we && !i_cfg_tile), .i_cfg_sel(i_cfg_sel), .i_cfg_row(i_cfg_row), .i_cfg_col(i_cfg_col),
        .i_cfg_wdata(i_cfg_wdata), .o_cfg_rdata(w_rd1),
        .i_h_valid(i_x_valid), .o_h_ready(o_x_ready), .i_h_data(i_x_data),
        .i_e_valid(i_e_valid), .o_e_ready(o_e_ready), .i_e_data(i_e_data), .i_e_idx(i_e_label),
        .o_y_valid(w_h_valid), .i_y_ready(w_h_ready), .o_y_data(w_h_data),
        .o_d_valid(), .i_d_ready(1'b1), .o_d_data(),
        .o_step(o_step1), .o_idle(w_idle1));

    f3_tile #(.P(P), .LANES_RT(0), .NI_MAX(N1_MAX), .NO_MAX(N2_MAX), .C_MAX(N2_MAX), .BP(0), .LAT(LAT),
              .AW(AW), .AF(AF), .WW(WW), .WF(WF), .EW(EW), .EF(EF), .GW(GW), .GF(GF), .LRW(32), .LR_S(LR_S)) u_t2 (
        .i_clk(i_clk), .i_rst(i_rst),
        .i_n_in(i_n1), .i_n_out(i_n2), .i_n_c(i_n2), .i_lanes_log2(3'd0),
        .i_act_mode(i_act2), .i_dact_mode(2'd3), .i_fb_mode(2'd0), .i_train(1'b1), .i_bp(1'b0), .i_lr_m(i_lr_m), .i_batch(16'd1), .i_fused(1'b0), .i_flush(1'b0),
        .i_cfg_we(i_cfg_we && i_cfg_tile), .i_cfg_sel(i_cfg_sel), .i_cfg_row(i_cfg_row), .i_cfg_col(i_cfg_col),
        .i_cfg_wdata(i_cfg_wdata), .o_cfg_rdata(w_rd2),
        .i_h_valid(w_h_valid), .o_h_ready(w_h_ready), .i_h_data(w_h_data),
        .i_e_valid(i_dz_valid), .o_e_ready(o_dz_ready), .i_e_data(i_dz_data), .i_e_idx(i_dz_idx),
        .o_y_valid(o_y_valid), .i_y_ready(i_y_ready), .o_y_data(o_y_data),
        .o_d_valid(), .i_d_ready(1'b1), .o_d_data(),
        .o_step(o_step2), .o_idle(w_idle2));
endmodule
/* verilator lint_on PINCONNECTEMPTY */
`default_nettype wire
