// tile_iverilog_tb: replays vectors that the Verilator testbench wrote
// (f3_tile_tb --vectors FILE N: stimulus and the results that Verilator's
// tile gave and model/ confirmed) on an f3_tile of 4 lanes under Icarus
// Verilog, and checks every output, weight and bias — two simulators, one
// answer.  Prints "PASS: tile_iverilog_tb finished" only when all agree.
// usage: vvp tile_iverilog_tb.vvp +vectors=FILE
`timescale 1ns / 1ps
`default_nettype none
module tile_iverilog_tb;
    localparam integer NVEC = 400000;   // words of the vector file, at most
    reg [31:0] vec [0:NVEC-1];
    integer    pos;                     // next word of vec

    reg         clk = 1'b0, rst = 1'b1;
    reg  [15:0] n_in, n_out, n_c;
    reg  [1:0]  act_mode, dact_mode, fb_mode;
    reg         bp;
    reg  [31:0] lr_m;
    reg         cfg_we = 1'b0;
    reg  [2:0]  cfg_sel = 3'd0;
    reg  [15:0] cfg_row = 16'd0, cfg_col = 16'd0;
    reg  [31:0] cfg_wdata = 32'd0;
    wire [63:0] cfg_rdata;
    reg         h_valid = 1'b0, e_valid = 1'b0;
    reg  [15:0] h_data = 16'd0, e_data = 16'd0, e_idx = 16'd0;
    wire        h_ready, e_ready, y_valid, d_valid, idle;
    wire [15:0] y_data, d_data;
    wire [2:0]  step;

    f3_tile #(.P(4), .LANES_RT(0), .NI_MAX(32), .NO_MAX(16), .C_MAX(8), .BP(1), .LAT(1)) dut (
        .i_clk(clk), .i_rst(rst), .i_n_in(n_in), .i_n_out(n_out), .i_n_c(n_c), .i_lanes_log2(3'd0),
        .i_act_mode(act_mode), .i_dact_mode(dact_mode), .i_fb_mode(fb_mode), .i_train(1'b1), .i_bp(bp),
        .i_lr_m(lr_m), .i_batch(16'd1), .i_fused(1'b0), .i_flush(1'b0), .i_cfg_we(cfg_we), .i_cfg_sel(cfg_sel), .i_cfg_row(cfg_row), .i_cfg_col(cfg_col),
        .i_cfg_wdata(cfg_wdata), .o_cfg_rdata(cfg_rdata),
        .i_h_valid(h_valid), .o_h_ready(h_ready), .i_h_data(h_data),
        .i_e_valid(e_valid), .o_e_ready(e_ready), .i_e_data(e_data), .i_e_idx(e_idx),
        .o_y_valid(y_valid), .i_y_ready(1'b1), .o_y_data(y_data),
        .o_d_valid(d_valid), .i_d_ready(1'b1), .o_d_data(d_data),
        .o_step(step), .o_idle(idle));

    always #5 clk = ~clk;

    function [31:0] next;
        input dummy;
        begin
            next = vec[pos];
            pos = pos + 1;
        end
    endfunction

    task cfg_write(input [2:0] sel, input [15:0] row, input [15:0] col, input [31:0] data);
        begin
            cfg_we = 1'b1; cfg_sel = sel; cfg_row = row; cfg_col = col; cfg_wdata = data;
            @(posedge clk); #1;
            cfg_we = 1'b0;
        end
    endtask

    integer ncase, c, j, k, nc, errors, values, ys, ds, base_h, base_e, base_dz, base_y, base_w, base_b, base_d;
    integer cycles;
    reg [15:0] y_got [0:15];
    reg [15:0] d_got [0:31];
    reg [15:0] label, es;
    reg [8*1024-1:0] path;   // the vector file's name, up to 1024 characters

    task check(input [8*12-1:0] what, input integer idx, input [15:0] got, input [15:0] want);
        begin
            values = values + 1;
            if (got !== want) begin
                errors = errors + 1;
                if (errors <= 10) $display("mismatch: case %0d %0s[%0d]: icarus %h, verilator/model %h", c, what, idx, got, want);
            end
        end
    endtask

    initial begin
        if (!$value$plusargs("vectors=%s", path)) begin
            $display("usage: vvp tile_iverilog_tb.vvp +vectors=FILE");
            $finish;
        end
        $readmemh(path, vec);
        pos = 0;
        ncase = next(0);
        errors = 0; values = 0; cycles = 0;
        for (c = 0; c < ncase; c = c + 1) begin
            rst = 1'b1;
            n_in = next(0); n_out = next(0); n_c = next(0);
            act_mode = next(0); dact_mode = next(0); fb_mode = next(0); bp = next(0);
            lr_m = next(0); label = next(0); es = next(0);
            @(posedge clk); @(posedge clk); #1 rst = 1'b0;
            for (j = 0; j < n_out; j = j + 1)
                for (k = 0; k < n_in; k = k + 1) cfg_write(3'd0, j, k, next(0));
            for (j = 0; j < n_out; j = j + 1) cfg_write(3'd1, j, 0, next(0));
            for (k = 0; k < n_c; k = k + 1)
                for (j = 0; j < n_out; j = j + 1) cfg_write(3'd2, k, j, next(0));
            for (k = 0; k < 257; k = k + 1) cfg_write(3'd3, 0, k, next(0));
            base_h = pos; base_e = base_h + n_in; base_dz = base_e + n_c; base_y = base_dz + n_out;
            base_w = base_y + n_out; base_b = base_w + n_in * n_out; base_d = base_b + n_out;
            pos = base_d + n_in;
            // the sample: h in, e in (one-hot, dense, or δz after y), y and δ out
            ys = 0; ds = 0; j = 0; k = 0;
            while (!(ys == n_out && (!bp || ds == n_in) && idle && j == n_in)) begin
                h_valid = j < n_in;
                h_data = vec[base_h + (j < n_in ? j : 0)];
                nc = fb_mode == 2'd1 ? 1 : fb_mode == 2'd2 ? n_c : n_out;
                e_valid = k < nc && (fb_mode != 2'd0 || ys == n_out);
                e_data = fb_mode == 2'd1 ? es : fb_mode == 2'd2 ? vec[base_e + k] : vec[base_dz + k];
                e_idx = fb_mode == 2'd1 ? label : k;
                #1;
                if (y_valid) y_got[ys] = y_data;
                if (d_valid) d_got[ds] = d_data;
                @(posedge clk);
                cycles = cycles + 1;
                if (h_valid && h_ready) j = j + 1;
                if (e_valid && e_ready) k = k + 1;
                if (y_valid) ys = ys + 1;
                if (d_valid) ds = ds + 1;
                #1;
                if (cycles > 10000000) begin
                    $display("FAIL: the tile hangs in case %0d", c);
                    $finish;
                end
            end
            h_valid = 1'b0; e_valid = 1'b0;
            for (j = 0; j < n_out; j = j + 1) check("y", j, y_got[j], vec[base_y + j]);
            for (j = 0; j < n_out; j = j + 1)
                for (k = 0; k < n_in; k = k + 1) begin
                    cfg_sel = 3'd0; cfg_row = j; cfg_col = k;
                    @(posedge clk); #1;
                    check("W", j * n_in + k, cfg_rdata[15:0], vec[base_w + j * n_in + k]);
                end
            for (j = 0; j < n_out; j = j + 1) begin
                cfg_sel = 3'd1; cfg_row = j; #1;
                check("b", j, cfg_rdata[15:0], vec[base_b + j]);
            end
            if (bp)
                for (k = 0; k < n_in; k = k + 1) check("delta out", k, d_got[k], vec[base_d + k]);
        end
        $display("icarus: %0d cases, %0d values compared, %0d mismatches, %0d cycles", ncase, values, errors, cycles);
        if (errors == 0 && ncase > 0) $display("PASS: tile_iverilog_tb finished");
        else $display("FAIL");
        $finish;
    end
endmodule
`default_nettype wire
