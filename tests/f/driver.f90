! The oracle of tests/fortran: calls the corpus's routines as Fortran does and prints each
! result (floats as their bit patterns), one "name value" line each.
double precision function sqp1(x)
   double precision x
   sqp1 = x * x + 1.0d0
end function

program driver
   use corpus_mod
   use, intrinsic :: iso_c_binding, only: c_int
   implicit none
   integer :: out, isum, xs(4)
   complex(8) :: zmul, cplx8, z
   complex :: crot, c
   logical :: ispos
   real :: shalf, xr(3)
   double precision :: sqp1, x(3), y(3), s, t
   character(len=8) :: greet, g
   external sqp1
   interface
      subroutine bindc(n, x, total) bind(c, name='corpus_bindc')
         use, intrinsic :: iso_c_binding
         integer(c_int), value :: n
         real(c_double), value :: x
         real(c_double), intent(out) :: total
      end subroutine
   end interface

   call chars(7, 'abcdef', 'Q', 'z', out)
   print '(a,1x,i0)', 'chars', out
   z = zmul((1.5d0, -2.0d0), (0.25d0, 3.0d0))
   print '(a,1x,z16.16,1x,z16.16)', 'zmul', transfer(dble(z), 0_8), transfer(dimag(z), 0_8)
   c = crot((1.25, 2.5))
   print '(a,1x,z8.8,1x,z8.8)', 'crot', transfer(real(c), 0_4), transfer(aimag(c), 0_4)
   print '(a,1x,l1,1x,l1)', 'ispos', ispos(2.0d0), ispos(-1.0d0)
   print '(a,1x,z8.8)', 'shalf', transfer(shalf(1.0), 0_4)
   xs = [3, -1, 4, 10]
   print '(a,1x,i0)', 'isum', isum(4, xs)
   x = [0.5d0, -2.0d0, 3.0d0]
   call apply(sqp1, 3, x, y)
   print '(a,3(1x,z16.16))', 'apply', transfer(y(1), 0_8), transfer(y(2), 0_8), transfer(y(3), 0_8)
   g = greet(2)
   print '(a,1x,a)', 'greet', '[' // g // ']'
   xr = [1.0, 2.0, -0.5]
   call la_scale(3, 2.5, xr)
   print '(a,3(1x,z8.8))', 'la_scale', transfer(xr(1), 0_4), transfer(xr(2), 0_4), transfer(xr(3), 0_4)
   z = cplx8((1.0d0, 0.1d0))
   print '(a,1x,z16.16,1x,z16.16)', 'cplx8', transfer(dble(z), 0_8), transfer(dimag(z), 0_8)
   y = [1.0d0, 1.0d0, 1.0d0]
   call wp_axpy(3, 0.1d0, x, y)
   print '(a,3(1x,z16.16))', 'wp_axpy', transfer(y(1), 0_8), transfer(y(2), 0_8), transfer(y(3), 0_8)
   call msum(3, x, s)
   print '(a,1x,z16.16)', 'msum', transfer(s, 0_8)
   call bindc(3_c_int, 0.7d0, t)
   print '(a,1x,z16.16)', 'bindc', transfer(t, 0_8)
end program
