// f3_round: requantise an exact fixed-point value as model/ does
// (docs/numerics.md, "requantize"): the exact value is first rounded to a
// float (24 significant bits, to nearest even), then to the output format's
// grid (to nearest even), and saturated to the output format's range.
// Combinational.  Requires OF <= XF, XW + 1 > OW and XW < 128.
`default_nettype none
module f3_round #(
    parameter integer XW = 32,  // input width [bits], signed two's complement
    parameter integer XF = 16,  // input fraction bits
    parameter integer OW = 16,  // output width [bits], signed
    parameter integer OF = 8    // output fraction bits, OF <= XF
) (
    input  wire signed [XW-1:0] i_x,   // value * 2^XF
    output reg  signed [OW-1:0] o_y,   // value * 2^OF, rounded and saturated
    output reg                  o_sat  // 1: the value saturated
);
    localparam integer MW = XW + 1;  // magnitude width [bits]
    localparam integer S2 = XF - OF; // second rounding: bits dropped
    localparam [MW-1:0] ONE = {{(MW-1){1'b0}}, 1'b1};
    localparam [MW-1:0] MAXP = (ONE << (OW - 1)) - ONE;  // largest positive code
    localparam [MW-1:0] MAXN = (ONE << (OW - 1));        // largest negative magnitude

    reg          r_neg;
    reg [MW-1:0] r_mag, r_q, r_rem, r_half, r_m1, r_m2;
    reg [6:0]    r_msb, r_sh;   // bit positions (MW <= 128): 7-bit shifters, not 32-bit ones
    integer      b;

    always @* begin
        r_neg = i_x[XW-1];
        r_mag = r_neg ? (~{1'b1, i_x} + ONE) : {1'b0, i_x};
        r_msb = 7'd0;
        for (b = 0; b < MW; b = b + 1)
            if (r_mag[b]) r_msb = b[6:0];
        // 1. to a float: 24 significant bits, nearest even
        r_m1 = r_mag;
        r_sh = 7'd0;
        r_q = r_mag;
        r_rem = {MW{1'b0}};
        r_half = {MW{1'b0}};
        if (r_msb > 7'd23) begin
            r_sh   = r_msb - 7'd23;
            r_q    = r_mag >> r_sh;
            r_rem  = r_mag - (r_q << r_sh);
            r_half = ONE << (r_sh - 7'd1);
            if (r_rem > r_half || (r_rem == r_half && r_q[0])) r_q = r_q + ONE;
            r_m1 = r_q << r_sh;
        end
        // 2. to the output grid: S2 fraction bits dropped, nearest even
        r_m2 = r_m1;
        if (S2 > 0) begin
            r_q    = r_m1 >> S2;
            r_rem  = r_m1 - (r_q << S2);
            r_half = ONE << (S2 - 1);
            if (r_rem > r_half || (r_rem == r_half && r_q[0])) r_q = r_q + ONE;
            r_m2 = r_q;
        end
        // 3. saturation at both ends
        o_sat = 1'b0;
        if (!r_neg && r_m2 > MAXP) begin
            r_m2  = MAXP;
            o_sat = 1'b1;
        end
        if (r_neg && r_m2 > MAXN) begin
            r_m2  = MAXN;
            o_sat = 1'b1;
        end
        o_y = r_neg ? (~r_m2[OW-1:0] + {{(OW-1){1'b0}}, 1'b1}) : r_m2[OW-1:0];
    end
endmodule
`default_nettype wire
