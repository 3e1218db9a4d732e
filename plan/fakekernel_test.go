package plan

import (
	"io"
	"testing"

	"github.com/nsnet/nsnet/nltest"
	"github.com/nsnet/nsnet/nsfs"
)

// kernel is the fake rtnetlink kernel of the steps' tests (nltest.Model).
type kernel struct{ *nltest.Model }

func newKernel(t *testing.T) kernel { return kernel{nltest.NewModel()} }

// session is a Session whose rtnetlink connections go to the model.
func (k kernel) session() *Session {
	return NewSession(&Options{Dial: func(ref nsfs.Ref, fd int, family string) (io.Closer, error) {
		return nltest.Rtnl(k.Func(), nil), nil
	}})
}
