#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static volatile uint32_t systick_wraps;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    systick_wraps = systick_wraps + 1u;
}

/* Starts SysTick on the core clock, counting wraps, and waits for its first reload. */
static void ticks_start(void)
{
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* core clock, interrupt on wrap, enabled */
    while (SYST_CVR == 0u) {
        /* wait for the first reload */
    }
}

/* Ticks since SysTick started: wraps of the 24-bit down-counter plus its progress. */
static uint64_t ticks_now(void)
{
    uint32_t wraps, value;
    do {
        wraps = systick_wraps;
        value = SYST_CVR;
    } while (wraps != systick_wraps);
    return (uint64_t)wraps * 0x1000000u + (0xFFFFFFu - value);
}
