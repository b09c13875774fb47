/* output.c — the output layer's loss gradient and F³'s error information. */
#include "f3/kernels.h"

#include <math.h>

/* Row softmax without a temporary: returns the max and the normaliser so
 * that p_c = exp(y_c − max) / sum. */
static void softmax_params(const float *y, size_t C, float *max, float *sum)
{
    float m = y[0];
    for (size_t c = 1; c < C; c++) m = y[c] > m ? y[c] : m;
    float s = 0.0f;
    for (size_t c = 0; c < C; c++) s += expf(y[c] - m);
    *max = m;
    *sum = s;
}

static size_t argmax(const float *y, size_t C)
{
    size_t best = 0;
    for (size_t c = 1; c < C; c++)
        if (y[c] > y[best]) best = c;
    return best;
}

/* PyTorch's BCELoss clamps each log term at −100. */
static double clamped_log(double x)
{
    double l = log(x);
    return l < -100.0 ? -100.0 : l;
}

void f3_output_delta(f3_loss loss, f3_activation out_act, const float *Y, const float *T,
                     const int32_t *labels, float *dZ, size_t b, size_t C, double *loss_sum,
                     size_t *correct, f3_counts *c)
{
    const float inv_bc = 1.0f / (float)(b * C);
    double lsum = 0.0;
    size_t ok = 0;
    for (size_t k = 0; k < b; k++) {
        const float *y = Y + k * C, *t = T + k * C; /* (C) */
        float *dz = dZ + k * C;
        switch (loss) {
        case F3_LOSS_BCE:
            /* sigmoid + BCE: ∂L/∂z = (y − t)/(b·C) exactly */
            for (size_t q = 0; q < C; q++) {
                dz[q] = (y[q] - t[q]) * inv_bc;
                lsum -= t[q] * clamped_log(y[q]) + (1.0 - t[q]) * clamped_log(1.0 - (double)y[q]);
            }
            break;
        case F3_LOSS_MSE: {
            double s = 0.0;
            for (size_t q = 0; q < C; q++) {
                float d = y[q] - t[q];
                dz[q] = 2.0f * d * inv_bc;
                s += (double)d * d;
            }
            lsum += s / (double)C;
            break;
        }
        case F3_LOSS_SOFTMAX_CE: {
            float m, s;
            softmax_params(y, C, &m, &s);
            const float inv_b = 1.0f / (float)b;
            for (size_t q = 0; q < C; q++) {
                float p = expf(y[q] - m) / s;
                dz[q] = (p - t[q]) * inv_b;
                if (t[q] != 0.0f) lsum -= t[q] * ((double)(y[q] - m) - log((double)s));
            }
            break;
        }
        }
        if (labels && labels[k] >= 0 && argmax(y, C) == (size_t)labels[k]) ok++;
    }
    if (loss == F3_LOSS_MSE && out_act != F3_ACT_IDENTITY)
        f3_act_backward(out_act, Y, dZ, dZ, b * C, F3_MEM_WORK, c);
    if (loss_sum) *loss_sum += lsum;
    if (correct) *correct += ok;
    if (!c) return;
    uint64_t n = (uint64_t)b * C;
    c->elem += F3_OUTPUT_ELEM_PER_OUTPUT * n;
    if (loss == F3_LOSS_SOFTMAX_CE) c->elem += F3_SOFTMAX_ELEM_PER_OUTPUT * n;
    c->reads[F3_MEM_WORK] += n;
    c->reads[F3_MEM_INPUTS] += n; /* targets */
    c->writes[F3_MEM_WORK] += n;
}

void f3_error_information(f3_error_info ei, f3_loss loss, const float *Y, const float *T,
                          float *E, size_t b, size_t C, f3_counts *c)
{
    const int soft = ei.softmax || loss == F3_LOSS_SOFTMAX_CE;
    const float inv_bc = 1.0f / (float)(b * C);
    for (size_t k = 0; k < b; k++) {
        const float *y = Y + k * C, *t = T + k * C; /* (C) */
        float *e = E + k * C;
        float m = 0.0f, s = 1.0f;
        if (soft) softmax_params(y, C, &m, &s);
        for (size_t q = 0; q < C; q++) {
            float yq = soft ? expf(y[q] - m) / s : y[q];
            if (ei.kind == F3_EI_ERROR) {
                e[q] = t[q] - yq;
            } else {
                switch (loss) {
                case F3_LOSS_BCE: {
                    /* −∂BCE/∂y = (t − y)/(y(1 − y)) / (b·C); PyTorch's eps 1e-12 */
                    float den = yq * (1.0f - yq);
                    if (den < 1e-12f) den = 1e-12f;
                    e[q] = (t[q] - yq) / den * inv_bc;
                    break;
                }
                case F3_LOSS_MSE:
                    e[q] = 2.0f * (t[q] - yq) * inv_bc;
                    break;
                case F3_LOSS_SOFTMAX_CE:
                    e[q] = (t[q] - yq) / (float)b;
                    break;
                }
            }
        }
    }
    if (!c) return;
    uint64_t n = (uint64_t)b * C;
    uint64_t per = ei.kind == F3_EI_ERROR ? 1u : (loss == F3_LOSS_BCE ? 5u : 2u);
    c->elem += per * n + (soft ? F3_SOFTMAX_ELEM_PER_OUTPUT * n : 0);
    c->reads[F3_MEM_WORK] += n;
    c->reads[F3_MEM_INPUTS] += n;
}
