! A free-form corpus for tests/fortran: complex(8) results (kind 8 is 16 bytes, not 8), result
! variables, kind parameters, module procedures, bind(c) with value dummies.

!> \param[in] x
function cplx8(x) result(r)
   complex(8) :: x, r
   r = conjg(x) * 2
end function cplx8

subroutine wp_axpy(n, a, x, y)
   integer, parameter :: wp = kind(1.d0)
   integer, intent(in) :: n
   real(wp), intent(in) :: a, x(n)
   real(wp), intent(inout) :: y(n)
   y = y + a * x
end subroutine

module corpus_mod
   implicit none
   integer, parameter :: dp = selected_real_kind(15, 307)
contains
   subroutine msum(n, x, s)
      integer, intent(in) :: n
      real(dp), intent(in) :: x(n)
      real(dp), intent(out) :: s
      s = sum(x)
   end subroutine msum
end module corpus_mod

subroutine bindc(n, x, total) bind(c, name='corpus_bindc')
   use, intrinsic :: iso_c_binding
   integer(c_int), value :: n
   real(c_double), value :: x
   real(c_double), intent(out) :: total
   total = n * x
end subroutine bindc
