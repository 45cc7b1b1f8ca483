/* Startup for the bidensec bare-metal harness on Cortex-M: the vector table, the reset handler
 * (FPU on, .data copied from flash, .bss cleared, semihosting opened, then main) and fault
 * handlers that end the program with a message instead of spinning forever. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Linker script symbols; the stack top is declared as a function so that it can stand in the
 * table of handlers. */
extern void __stack_top(void);
extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];

extern void initialise_monitor_handles(void);
extern void _exit(int status);
extern int main(void);
void SysTick_Handler(void);
void harness_reset(void);
void _init(void);
void _fini(void);

/* No constructors or destructors in C: newlib's init and fini arrays call these. */
void _init(void) {}
void _fini(void) {}

#define CPACR (*(volatile uint32_t *)0xE000ED88u)

static void harness_fault(void)
{
    static const char message[] = "bidensec harness: the processor faulted\n";
    fwrite(message, 1, sizeof message - 1, stderr);
    _exit(4);
}

static void harness_unexpected(void)
{
    static const char message[] = "bidensec harness: unexpected exception\n";
    fwrite(message, 1, sizeof message - 1, stderr);
    _exit(5);
}

__attribute__((section(".vectors"), used)) void (*const harness_vectors[16])(void) = {
    __stack_top,        /* initial stack pointer */
    harness_reset,      /* reset */
    harness_unexpected, /* NMI */
    harness_fault,      /* HardFault */
    harness_fault,      /* MemManage */
    harness_fault,      /* BusFault */
    harness_fault,      /* UsageFault */
    0, 0, 0, 0,
    harness_unexpected, /* SVCall */
    harness_unexpected, /* DebugMonitor */
    0,
    harness_unexpected, /* PendSV */
    SysTick_Handler,    /* SysTick */
};

void harness_reset(void)
{
    uint32_t *from = __data_load;
    uint32_t *to = __data_start;
    /* Full access to coprocessors 10 and 11 (the FPU) before any float instruction. */
    CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    while (to < __data_end) {
        *to++ = *from++;
    }
    for (to = __bss_start; to < __bss_end; ++to) {
        *to = 0;
    }
    initialise_monitor_handles();
    exit(main());
}
